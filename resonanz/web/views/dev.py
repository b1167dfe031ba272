"""The dev panel: admins inject a message into a fake channel account; the component library."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.channels import replies
from resonanz.channels.base import MalformedPayload, RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.webhook.payloads import parse_event
from resonanz.conversations.access import conversations_for
from resonanz.conversations.models import Conversation, TimelineEntry
from resonanz.core.errors import ChannelDisabled
from resonanz.web import queries
from resonanz.web.forms import DevInjectForm, read
from resonanz.web.permissions import requires
from resonanz.web.views.common import current_agent as _agent
from resonanz.workspaces.models import Agent


@login_required
def dev_panel(request: HttpRequest) -> HttpResponse:
    """Admins inject a message into a fake channel account, exactly as the platform would deliver it."""
    agent = _agent(request)
    if not queries.is_admin(agent):
        raise Http404("the dev panel is for admins")
    accounts = queries.fake_channel_accounts_of(agent)
    form = {"account": "", "handle": "", "name": "", "text": "", "reply_to": "", "postal_code": ""}
    result: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = read(DevInjectForm, request.POST)
        account = next((a for a in accounts if str(a.pk) == form["account"]), None)
        payload: dict[str, Any] = {
            "id": f"dev-{uuid.uuid4().hex[:16]}",
            "author": {
                "handle": form["handle"],
                "name": form["name"],
                "profile": {"postal_code": form["postal_code"]} if form["postal_code"] else {},
            },
            "text": form["text"],
            "reply_to": form["reply_to"],
        }
        try:
            if account is None:
                raise MalformedPayload(_("Bitte ein Kanalkonto wählen."))
            parse_event(payload)
            accepted = accept_events(account, [RawEvent(payload["id"], payload, event_type="message")])
            result = {"ok": True, "id": payload["id"], "accepted": accepted.accepted, "account": account}
            form = {**form, "text": "", "reply_to": ""}
        except MalformedPayload as error:
            result = {"ok": False, "error": str(error)}
            status = 400
        except ChannelDisabled as error:
            result = {"ok": False, "error": error.message}
            status = 403
    return render(
        request,
        "web/dev/panel.html",
        {"agent": agent, "accounts": accounts, "form": form, "result": result, "is_admin": True},
        status=status,
    )


@requires("dev.panel")
def component_library(request: HttpRequest) -> HttpResponse:
    """Every reusable component (templatetags/components.py) with sample data: the maintained library."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    sample_agent = Agent(display_name="Mia Kramer", initials="MK")
    now = timezone.now()
    entries = [
        TimelineEntry(kind=kind, created_at=now, actor=sample_agent if i % 2 == 0 else None)
        for i, kind in enumerate(
            (TimelineEntry.Kind.CREATED, TimelineEntry.Kind.ASSIGNED, TimelineEntry.Kind.STATUS_CHANGED)
        )
    ]
    # The composer needs a real conversation (its URLs and channel): the newest of the workspace, if any.
    conversation = (
        conversations_for(agent).select_related("channel_account", "customer").order_by("-id").first()
    )
    context: dict[str, Any] = {
        "agent": agent,
        "is_admin": True,
        "sample_agent": sample_agent,
        "statuses": Conversation.Status.choices,
        "entries": entries,
        "conversation": conversation,
        "recipient": replies.reply_target(conversation) if conversation else None,
        "reply_key": uuid.uuid4().hex,
    }
    return render(request, "web/dev/components.html", context)
