"""The agent UI: server-rendered pages, htmx for partial updates. Views read through access functions and
write through actions; no business logic here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from resonanz.conversations import actions
from resonanz.conversations.access import access_conversation_by_id, conversations_for, messages_of
from resonanz.conversations.models import Conversation
from resonanz.core.errors import InvalidInput, NotFound
from resonanz.workspaces.models import Agent

INBOX_PAGE_SIZE = 50


def _agent(request: HttpRequest) -> Agent:
    agent = Agent.objects.select_related("workspace").filter(user__pk=request.user.pk or 0).first()
    if agent is None:
        raise Http404("this login is not an agent of any workspace")
    return agent


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    status = request.GET.get("status", "open")
    queryset = conversations_for(agent).select_related("customer", "channel_account", "owner")
    if status == "open":
        queryset = queryset.filter(status__in=Conversation.OPEN_STATUSES)
    elif status in Conversation.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-last_message_at", "-id"), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/inbox.html",
        {"agent": agent, "page": page, "status": status, "statuses": Conversation.Status.choices},
    )


@login_required
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        conversation = access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return render(
        request,
        "web/conversation.html",
        {"agent": agent, "conversation": conversation, "messages": messages_of(conversation), "error": ""},
    )


@login_required
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent = _agent(request)
    try:
        conversation = access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None
    problem = ""
    try:
        actions.do_send_reply(
            agent, conversation, request.POST.get("text", ""), private=request.POST.get("private") == "1"
        )
    except InvalidInput as invalid:
        problem = invalid.message
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:conversation", conversation_id=conversation.pk)
    conversation = access_conversation_by_id(agent, conversation_id)
    return render(
        request,
        "web/_thread.html",
        {
            "agent": agent,
            "conversation": conversation,
            "messages": messages_of(conversation),
            "error": problem,
        },
        status=400 if problem else 200,
    )
