"""The agent UI: server-rendered pages, htmx for partial updates. Views read through access functions (and
`resonanz.web.queries`, built on them) and write through actions; no business logic here."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resonanz.channels import replies
from resonanz.channels.base import MalformedPayload, RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.webhook.payloads import parse_event
from resonanz.conversations import actions
from resonanz.conversations.access import access_conversation_by_id
from resonanz.conversations.models import Conversation
from resonanz.core.errors import ChannelDisabled, Conflict, InvalidInput, NotFound
from resonanz.web import queries
from resonanz.web.middleware import mark_partial
from resonanz.web.permissions import requires
from resonanz.web.views_inbox import inbox_extras
from resonanz.workspaces.models import Agent

INBOX_PAGE_SIZE = 50


def _status_filters() -> list[tuple[str, str]]:
    return [
        ("open", _("Offen")),
        ("mine", _("Meine")),
        ("new", _("Neu")),
        ("pending", _("Wartend")),
        ("solved", _("Gelöst")),
        ("closed", _("Geschlossen")),
        ("all", _("Alle")),
        ("noise", _("Rauschen")),
    ]


def _agent(request: HttpRequest) -> Agent:
    agent = Agent.objects.select_related("workspace", "user").filter(user__pk=request.user.pk or 0).first()
    if agent is None:
        raise Http404("this login is not an agent of any workspace")
    return agent


def _conversation(agent: Agent, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    selection = queries.InboxFilter.from_query(request.GET.dict())
    page = Paginator(queries.inbox_conversations(agent, selection), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "agent": agent,
        "page": page,
        "selection": selection,
        "status_filters": _status_filters(),
        "counts": queries.status_counts(agent),
        "channels": queries.channel_accounts_of(agent),
        "teams": queries.teams_of(agent),
        "query_without_page": query.urlencode(),
        "is_admin": queries.is_admin(agent),
        "relevance_training": (agent.workspace.settings.get("understanding") or {}).get("relevance_training"),
        **inbox_extras(agent, request),
    }
    template = "web/_inbox_rows.html" if request.htmx else "web/inbox.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _conversation_context(agent: Agent, conversation: Conversation, error: str = "") -> dict[str, Any]:
    from resonanz.web.views_conversation_actions import conversation_extras

    thread = queries.thread_of(conversation)
    return {
        **conversation_extras(agent, conversation, thread),
        "agent": agent,
        "conversation": conversation,
        "messages": thread,
        "identities": list(conversation.customer.identities.order_by("kind", "handle")),
        "others": queries.other_conversations_of(conversation),
        "timeline": queries.timeline_of(conversation),
        "statuses": Conversation.Status.choices,
        "error": error,
        "is_admin": queries.is_admin(agent),
        "reply_key": uuid.uuid4().hex,
        "recipient": replies.reply_target(conversation),
    }


@login_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    return render(request, "web/conversation.html", _conversation_context(agent, conversation))


@requires("conversations.reply")
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    problem = ""
    try:
        replies.do_send_reply(
            agent,
            conversation,
            request.POST.get("text", ""),
            private=request.POST.get("private") == "1",
            # Made for each render of the form: a double click or a resubmitted page sends once.
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
    except (InvalidInput, Conflict) as invalid:
        problem = invalid.message
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:conversation", conversation_id=conversation.pk)
    conversation = _conversation(agent, conversation_id)
    return mark_partial(
        render(
            request,
            "web/_thread.html",
            _conversation_context(agent, conversation, problem),
            status=400 if problem else 200,
        )
    )


@requires("conversations.update")
@require_POST
def change_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    problem = ""
    try:
        actions.do_change_status(agent, conversation, request.POST.get("status", ""))
    except InvalidInput as invalid:
        problem = invalid.message
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:conversation", conversation_id=conversation.pk)
    conversation = _conversation(agent, conversation_id)
    return mark_partial(
        render(
            request,
            "web/_details.html",
            _conversation_context(agent, conversation, problem),
            status=400 if problem else 200,
        )
    )


@requires("annotations.correct")
@require_POST
def mark_relevance(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """One click: this public post is about us (relevant) or not (noise). An agent's correction."""
    from resonanz.understanding.actions import do_correct_annotation

    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    message = conversation.messages.filter(pk=message_id, direction="in").first()
    if message is None:
        raise Http404("no such inbound message in this conversation")
    label = request.POST.get("relevant", "")
    if label not in ("true", "false"):
        return HttpResponse(status=400)
    do_correct_annotation(agent, message, "relevance", label)
    return redirect("web:conversation", conversation_id=conversation.pk)


@login_required
def delivery_status(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The delivery badge of one outbound message; htmx polls it while the send is under way."""
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    message = conversation.messages.filter(pk=message_id, direction="out").select_related("delivery").first()
    if message is None:
        raise Http404("no such outbound message in this conversation")
    return render(request, "web/_delivery.html", {"m": message})


@requires("conversations.reply")
@require_POST
def delivery_retry(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The agent sends a failed reply again; answers with the updated delivery badge."""
    agent = _agent(request)
    conversation = _conversation(agent, conversation_id)
    message = conversation.messages.filter(pk=message_id, direction="out").select_related("delivery").first()
    if message is None:
        raise Http404("no such outbound message in this conversation")
    # Already retried (a double click) or sent: the badge below shows where it stands.
    with contextlib.suppress(InvalidInput, Conflict):
        replies.do_retry_delivery(agent, message)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:conversation", conversation_id=conversation.pk)
    message = conversation.messages.select_related("delivery").get(pk=message.pk)
    return render(request, "web/_delivery.html", {"m": message})


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
