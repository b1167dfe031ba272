"""The agent UI: server-rendered pages, htmx for partial updates. Views read through access functions (and
`resonanz.web.queries`, built on them) and write through actions; no business logic here."""

from __future__ import annotations

import contextlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from resonanz.channels import replies
from resonanz.conversations import actions
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.web.errors import mark_partial
from resonanz.web.events import CONVERSATION_CHANGED, INBOX_CHANGED, trigger
from resonanz.web.forms import RelevanceForm, ReplyForm, StatusForm, read
from resonanz.web.permissions import requires
from resonanz.web.views.common import visible_conversation as _conversation
from resonanz.web.views.conversation_actions import conversation_context
from resonanz.workspaces.models import Agent


def _answer(
    request: HttpRequest, agent: Agent, conversation_id: int, partial: str, problem: str, *events: str
) -> HttpResponse:
    """After an action on the page: a form post goes back to the page; htmx gets the pane again (with the
    action's reason and 400 if it was refused, else with the events that refresh the other panes)."""
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:conversation", conversation_id=conversation_id)
    conversation = _conversation(agent, conversation_id)
    response = render(
        request,
        f"web/conversation/{partial}",
        conversation_context(agent, conversation, problem),
        status=400 if problem else 200,
    )
    if problem:
        return mark_partial(response)
    return trigger(response, *events, id=conversation.pk)


@requires("conversations.view")
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    return render(request, "web/conversation/page.html", conversation_context(agent, conversation))


@requires("conversations.reply")
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    problem = ""
    posted = read(ReplyForm, request.POST)
    try:
        replies.do_send_reply(
            agent,
            conversation,
            posted["text"],
            private=posted["private"],
            # Made for each render of the form: a double click or a resubmitted page sends once.
            idempotency_key=posted["idempotency_key"],
        )
    except (InvalidInput, Conflict) as invalid:
        problem = invalid.message
    return _answer(
        request, agent, conversation_id, "_thread.html", problem, CONVERSATION_CHANGED, INBOX_CHANGED
    )


@requires("conversations.update")
@require_POST
def change_status(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    problem = ""
    try:
        actions.do_change_status(agent, conversation, read(StatusForm, request.POST)["status"])
    except InvalidInput as invalid:
        problem = invalid.message
    # The details pane is this answer: only the inbox is told.
    return _answer(request, agent, conversation_id, "_details.html", problem, INBOX_CHANGED)


@requires("conversations.view")
def conversation_details(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The details pane (status, owner, timeline) alone: it reloads on ``conversation-changed``."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    return render(request, "web/conversation/_details.html", conversation_context(agent, conversation))


@requires("annotations.correct")
@require_POST
def mark_relevance(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """One click: this public post is about us (relevant) or not (noise). An agent's correction."""
    from resonanz.understanding.actions import do_correct_annotation

    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    message = conversation.messages.filter(pk=message_id, direction="in").first()
    if message is None:
        raise Http404("no such inbound message in this conversation")
    label = read(RelevanceForm, request.POST)["relevant"]
    if label not in ("true", "false"):
        return HttpResponse(status=400)
    do_correct_annotation(agent, message, "relevance", label)
    return redirect("web:conversation", conversation_id=conversation.pk)


@requires("conversations.view")
def delivery_status(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The delivery badge of one outbound message; htmx polls it while the send is under way."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    conversation = _conversation(agent, conversation_id)
    message = conversation.messages.filter(pk=message_id, direction="out").select_related("delivery").first()
    if message is None:
        raise Http404("no such outbound message in this conversation")
    return render(request, "web/conversation/_delivery.html", {"m": message})


@requires("conversations.reply")
@require_POST
def delivery_retry(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """The agent sends a failed reply again; answers with the updated delivery badge."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
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
    response = render(request, "web/conversation/_delivery.html", {"m": message})
    return trigger(response, CONVERSATION_CHANGED, id=conversation.pk)
