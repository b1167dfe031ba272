"""The agent UI's event vocabulary: the names a view puts in the ``HX-Trigger`` header after it changed
something, and that panes listen to (``hx-trigger="<name> from:body"``) to refresh themselves. One place,
so a view and a pane cannot drift apart on a spelling; docs/web.md lists who sends and who listens.

A view never writes the header by hand: ``trigger(response, CONVERSATION_CHANGED, ...)``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django_htmx.http import trigger_client_event

# A conversation's state changed (a reply, a delivery retried): its details pane (status, owner, timeline)
# reloads. Detail: {"id": <conversation id>}.
CONVERSATION_CHANGED = "conversation-changed"
# Conversations changed in a way the inbox shows (status, owner): the open inbox asks for its updates now
# instead of at its next poll.
INBOX_CHANGED = "inbox-changed"
# The agent's notifications changed (read): the bell reloads its unread count.
NOTIFICATIONS_CHANGED = "notifications-changed"

EVENTS = (CONVERSATION_CHANGED, INBOX_CHANGED, NOTIFICATIONS_CHANGED)


def trigger(response: HttpResponse, *names: str, **detail: Any) -> HttpResponse:
    """Add the events to the response's ``HX-Trigger`` (kept with any already there), each with ``detail``."""
    for name in names:
        if name not in EVENTS:
            raise ValueError(f"{name!r} is not in the event vocabulary (resonanz/web/events.py)")
        trigger_client_event(response, name, detail or None)
    return response
