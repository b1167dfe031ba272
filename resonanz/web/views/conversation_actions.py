"""What an agent does on a conversation page besides replying: notes with @mentions, call notes, transfer to
an agent or a team, priority, move a public conversation to private, correct an annotation, fill a macro,
and the composer's preview (X: the weighted 280-character count and the numbered thread).

Every view writes through the domain's action; a refused action (400/409) answers an htmx request with the
action's own message in the page's #errors area and a form post with the page and the message
(`shown_on_page`: resonanz/web/errors.py)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resonanz.channels import replies
from resonanz.channels.persona import SPLITS_INTO_THREADS
from resonanz.channels.phone.actions import do_add_call_note
from resonanz.channels.registry import get_adapter
from resonanz.conversations import actions
from resonanz.conversations.access import access_conversation_by_id, access_macro_by_id, macros_for
from resonanz.conversations.macros import incident_status_for, variables_for
from resonanz.conversations.macros import render as render_macro
from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import Conflict, InvalidInput, NotFound
from resonanz.routing import actions as routing_actions
from resonanz.understanding.access import labels_for, topics_for
from resonanz.understanding.actions import CORRECTABLE, do_correct_annotation
from resonanz.web import queries
from resonanz.web.errors import refusals
from resonanz.web.forms import LabelForm, PriorityForm, TextForm, TransferForm, read
from resonanz.web.permissions import requires
from resonanz.web.templatetags.resonanz_web import channel_kind
from resonanz.web.templatetags.workspace import topic_names
from resonanz.workspaces.models import Agent, Team
from resonanz.workspaces.permissions import has_perm
from resonanz.workspaces.persona import signature_for

# The annotations shown on every message, in this order; those in CORRECTABLE get a one-click correction.
SHOWN_ANNOTATIONS = ("language", "sentiment", "topic", "urgency", "sensitivity", "region")
MACRO_RESULTS = 12


def _conversation(request: HttpRequest, conversation_id: int) -> tuple[Agent, Conversation]:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    try:
        return agent, access_conversation_by_id(agent, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None


def _done(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    url = reverse("web:conversation", args=[conversation.pk])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _conversation_page(
    request: HttpRequest, message: str, status: int, conversation_id: int, **_view_kwargs: Any
) -> HttpResponse:
    """A refused form post (no JavaScript): the conversation page again, with the action's reason."""
    agent, conversation = _conversation(request, conversation_id)
    return render(
        request,
        "web/conversation/page.html",
        conversation_context(agent, conversation, message),
        status=status,
    )


# A refused action (400/409): htmx shows the action's own message in #errors, a form post the page with it.
shown_on_page = refusals(page=_conversation_page)


def conversation_extras(agent: Agent, conversation: Conversation, thread: list[Message]) -> dict[str, Any]:
    """The conversation page's context for the workspace actions: annotations per message (one query),
    colleagues, teams and topics (one each), the move-to-private preview and the composer's channel."""
    labels = labels_for(m.pk for m in thread)
    for message in thread:
        shown = labels.get(message.pk, {})
        if not shown.get("language") and message.language:
            shown = {**shown, "language": message.language}
        message.annotation_labels = [  # type: ignore[attr-defined]
            (name, shown[name]) for name in SHOWN_ANNOTATIONS if shown.get(name)
        ]
        message.labels = shown  # type: ignore[attr-defined]
    kind = channel_kind(conversation.channel_account)
    can_move_private = False
    acknowledgement = ""
    if conversation.is_public:
        try:
            routing_actions.check_can_move_private(conversation)
            can_move_private = True
            acknowledgement = routing_actions.acknowledgement_text(conversation)[1]
        except (InvalidInput, Conflict):
            can_move_private = False
    topics = topics_for(agent)
    return {
        "colleagues": list(
            Agent.objects.filter(workspace_id=agent.workspace_id)
            .select_related("user")
            .order_by("display_name")
        ),
        "all_teams": list(Team.objects.filter(workspace_id=agent.workspace_id).order_by("name")),
        "topics": topics,
        "topic_names": topic_names(topics),
        "corrections": {
            **{name: list(choices) for name, choices in CORRECTABLE.items() if choices},
            "topic": [t.slug for t in topics],
        },
        "priorities": Conversation.Priority.choices,
        "can_move_private": can_move_private,
        "acknowledgement": acknowledgement,
        "composer_kind": kind,
        "is_sensitive": any(labels.get(m.pk, {}).get("sensitivity") == "private" for m in thread),
        "can_update": has_perm(agent, "conversations.update"),
        "can_correct": has_perm(agent, "annotations.correct"),
        "can_use_macros": has_perm(agent, "macros.use"),
    }


@shown_on_page
@requires("conversations.update")
@require_POST
def add_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent, conversation = _conversation(request, conversation_id)
    actions.do_add_note(agent, conversation, read(TextForm, request.POST)["text"])
    return _done(request, conversation)


@shown_on_page
@requires("conversations.update")
@require_POST
def add_call_note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent, conversation = _conversation(request, conversation_id)
    do_add_call_note(agent, conversation, read(TextForm, request.POST)["text"])
    return _done(request, conversation)


@shown_on_page
@requires("conversations.update")
@require_POST
def transfer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """``to`` is "agent:<id>" or "team:<id>" of the agent's workspace; ``note`` says why."""
    agent, conversation = _conversation(request, conversation_id)
    posted = read(TransferForm, request.POST)
    kind, target_id, note = posted["kind"], posted["target_id"], posted["note"]
    if kind == "agent":
        colleague = Agent.objects.filter(pk=target_id, workspace_id=agent.workspace_id).first()
        if colleague is None:
            raise InvalidInput(_("Bitte eine Kollegin oder einen Kollegen wählen."))
        routing_actions.do_transfer_conversation(agent, conversation, colleague, note=note)
    elif kind == "team":
        team = Team.objects.filter(pk=target_id, workspace_id=agent.workspace_id).first()
        if team is None:
            raise InvalidInput(_("Bitte ein Team wählen."))
        routing_actions.do_transfer_to_team(agent, conversation, team, note=note)
    else:
        raise InvalidInput(_("Bitte wählen, an wen das Gespräch geht."))
    return _done(request, conversation)


@shown_on_page
@requires("conversations.update")
@require_POST
def set_priority(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent, conversation = _conversation(request, conversation_id)
    routing_actions.do_set_priority(agent, conversation, read(PriorityForm, request.POST)["priority"])
    return _done(request, conversation)


@shown_on_page
@requires("conversations.update")
@require_POST
def move_private(request: HttpRequest, conversation_id: int) -> HttpResponse:
    agent, conversation = _conversation(request, conversation_id)
    routing_actions.do_move_to_private(agent, conversation)
    return _done(request, conversation)


@shown_on_page
@requires("annotations.correct")
@require_POST
def correct_annotation(
    request: HttpRequest, conversation_id: int, message_id: int, annotator: str
) -> HttpResponse:
    """One click on the right label: stored as a correction, which wins over the models at once."""
    agent, conversation = _conversation(request, conversation_id)
    message = conversation.messages.filter(pk=message_id).first()
    if message is None:
        raise Http404("no such message in this conversation")
    do_correct_annotation(agent, message, annotator, read(LabelForm, request.POST)["label"])
    return _done(request, conversation)


@requires("macros.use")
@require_GET
def macro_search(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The macros whose name (or text) contains ``q``: a list the composer's picker shows."""
    agent, conversation = _conversation(request, conversation_id)
    text = " ".join(request.GET.get("q", "").split())[:80]
    macros = macros_for(agent)
    if text:
        macros = macros.filter(Q(name__icontains=text) | Q(text__icontains=text))
    kind = channel_kind(conversation.channel_account)  # only the macros meant for this channel
    offered = [m for m in macros if m.offered_on(kind)][:MACRO_RESULTS]
    return render(
        request,
        "web/conversation/_macros.html",
        {"conversation": conversation, "macros": offered, "q": text},
    )


@requires("macros.use")
@require_GET
def macro_fill(request: HttpRequest, conversation_id: int, macro_id: int) -> HttpResponse:
    """The macro's text with its placeholders filled for this conversation (JSON: the composer inserts it)."""
    agent, conversation = _conversation(request, conversation_id)
    try:
        macro = access_macro_by_id(agent, macro_id)
    except NotFound as error:
        raise Http404(error.message) from None
    variables = variables_for(
        conversation.customer,
        agent,
        signature_style=agent.workspace.signature_style,
        incident_status=incident_status_for(conversation.pk, macro.language),
    )
    return JsonResponse({"id": macro.pk, "name": macro.name, "text": render_macro(macro.text, variables)})


@requires("conversations.reply")
@require_GET
def compose_preview(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The composer's live preview: for X the weighted count (URLs 23, emoji 2) and the numbered thread the
    reply becomes with the agent's signature; for other channels the plain length."""
    agent, conversation = _conversation(request, conversation_id)
    text = request.GET.get("text", "")[:20_000]
    private = request.GET.get("private") == "1" or not conversation.is_public
    kind = channel_kind(conversation.channel_account)
    signature = ""
    if not private:
        signature = signature_for(
            agent.workspace.signature_style, first_name=agent.first_name, initials=agent.initials
        )
    # The platform counts (X weighs, a long X text becomes a thread): its adapter measures, no switch here.
    account = conversation.channel_account
    try:
        adapter = get_adapter(kind)  # a fake account counts as the platform it imitates
    except KeyError:
        adapter = get_adapter(account.kind)
    measure = adapter.measure_text(text, signature=signature)
    context: dict[str, Any] = {
        "kind": kind,
        "text": text,
        "signature": signature,
        "threads": SPLITS_INTO_THREADS in adapter.capabilities,
        "weight": measure.length,
        "limit": measure.limit,
        "parts": list(measure.parts),
    }
    return render(request, "web/conversation/_compose_preview.html", context)


def conversation_context(agent: Agent, conversation: Conversation, error: str = "") -> dict[str, Any]:
    """Everything the conversation page shows (`error`: an action's reason to show on it)."""
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
        "recipient": replies.reply_target_among(conversation, thread),
    }
