"""The notification bell: mentions, hand-overs, SLA warnings and breaches, response-rate alerts and failed
deliveries, each linking to its conversation. The header loads the bell's count with htmx (no query on the
page itself) and refreshes it every 30 seconds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from resonanz.conversations.access import notifications_for
from resonanz.conversations.actions import do_mark_notifications_read
from resonanz.web import queries
from resonanz.web.events import NOTIFICATIONS_CHANGED, trigger
from resonanz.web.forms import MarkReadForm, read
from resonanz.web.permissions import requires
from resonanz.workspaces.models import Agent

SHOWN = 100


@requires("notifications.view")
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    unread = notifications_for(agent, unread_only=True).count()
    return render(request, "web/notifications/_bell.html", {"unread": unread})


def _list_page(request: HttpRequest, agent: Agent) -> HttpResponse:
    shown = list(notifications_for(agent).select_related("conversation")[:SHOWN])
    return render(
        request,
        "web/notifications/list.html",
        {
            "agent": agent,
            "notifications": shown,
            "unread": sum(1 for n in shown if n.read_at is None),
            "is_admin": queries.is_admin(agent),
        },
    )


@requires("notifications.view")
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, request.agent)  # type: ignore[attr-defined]


@requires("notifications.view")
@require_GET
def open_notification(request: HttpRequest) -> HttpResponse:
    """Follow a notification (``?id=``): it is read from now on, and the agent lands on its conversation;
    one that is not the agent's leads back to the list."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    raw = request.GET.get("id", "")
    notification_id = int(raw) if raw.isdigit() else 0
    found = notifications_for(agent).filter(pk=notification_id).values_list("conversation_id", flat=True)
    if not found.exists():
        return redirect("web:notifications")
    do_mark_notifications_read(agent, [notification_id])
    conversation_id = found.first()
    if conversation_id is None:
        return redirect("web:notifications")
    return redirect("web:conversation", conversation_id=conversation_id)


@requires("notifications.view")
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark read: the notifications with the posted ``id`` values, or all unread ones. A form post goes back
    to the list; htmx gets the list again and ``notifications-changed``."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    ids = read(MarkReadForm, request.POST)["id"]
    do_mark_notifications_read(agent, ids or None)
    if request.htmx:  # type: ignore[attr-defined]
        # The list's forms take the page's <main> from this answer; the bell hears the event.
        return trigger(_list_page(request, agent), NOTIFICATIONS_CHANGED)
    return redirect("web:notifications")
