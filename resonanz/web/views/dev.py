"""The dev panel: admins inject a message into a fake channel account."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from resonanz.channels.base import MalformedPayload, RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.webhook.payloads import parse_event
from resonanz.core.errors import ChannelDisabled
from resonanz.web import queries
from resonanz.web.views.common import current_agent as _agent


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
        form = {key: request.POST.get(key, "").strip() for key in form}
        form["text"] = request.POST.get("text", "")
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
        "web/dev_panel.html",
        {"agent": agent, "accounts": accounts, "form": form, "result": result, "is_admin": True},
        status=status,
    )
