"""Internal notes, macros and notifications API."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from resonanz.conversations import actions
from resonanz.conversations.access import (
    access_conversation_by_id,
    access_macro_by_id,
    macros_for,
    messages_of,
    notifications_for,
)
from resonanz.conversations.macros import incident_status_for, placeholders, render, variables_for
from resonanz.conversations.models import Macro, Message, Notification
from resonanz.conversations.schemas import MessageOut
from resonanz.core.errors import PermissionDenied
from resonanz.core.schemas import ErrorOut
from resonanz.workspaces.auth import agent_of, auth
from resonanz.workspaces.models import Agent

notes_router = Router(tags=["conversations"], auth=auth)
macros_router = Router(tags=["macros"], auth=auth)
notifications_router = Router(tags=["notifications"], auth=auth)


class NoteIn(Schema):
    text: str


class NoteOut(MessageOut):
    mentioned_agent_ids: list[int]

    @staticmethod
    def resolve_mentioned_agent_ids(obj: Message) -> list[int]:
        return sorted(m.agent_id for m in obj.mentions.all())


class MacroIn(Schema):
    name: str
    language: str
    text: str


class MacroOut(Schema):
    id: int
    name: str
    language: str
    text: str
    placeholders: list[str]

    @staticmethod
    def resolve_placeholders(obj: Macro) -> list[str]:
        return list(dict.fromkeys(placeholders(obj.text)))


class RenderOut(Schema):
    macro_id: int
    conversation_id: int
    language: str
    text: str


class NotificationOut(Schema):
    id: int
    kind: str
    conversation_id: int | None
    message_id: int | None
    data: dict[str, object]
    created_at: dt.datetime
    read_at: dt.datetime | None


@notes_router.post(
    "/{conversation_id}/notes",
    response={201: NoteOut, 400: ErrorOut, 404: ErrorOut},
    summary="Add an internal note",
    description="Never sent to a channel. Every @username of a colleague gets a mention and a notification.",
)
def post_note(request: HttpRequest, conversation_id: int, body: NoteIn) -> tuple[int, Message]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    message = actions.do_add_note(agent, conversation, body.text)
    return 201, messages_of(conversation).prefetch_related("mentions").get(pk=message.pk)


@macros_router.get("", response=list[MacroOut])
def list_macros(request: HttpRequest, language: str | None = Query(None)) -> QuerySet[Macro]:  # type: ignore[type-arg]
    return macros_for(agent_of(request), language)


@macros_router.post("", response={201: MacroOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut})
def create_macro(request: HttpRequest, body: MacroIn) -> tuple[int, Macro]:
    agent = agent_of(request)
    if agent.role not in (Agent.Role.LEAD, Agent.Role.ADMIN):
        raise PermissionDenied(_("Textbausteine bearbeiten nur Teamleitungen und Admins"))
    return 201, actions.do_create_macro(agent.workspace, body.name, body.language, body.text)


@macros_router.post(
    "/{macro_id}/render",
    response={200: RenderOut, 404: ErrorOut},
    summary="Fill a macro's placeholders for one conversation",
    description="Placeholders: {customer_name}, {customer_first_name}, {agent_name}, {agent_first_name}, "
    "{agent_initials}, {agent_signature}, {incident_status}; {{ and }} write braces. `incident_status` "
    "overrides the incident line (else the incidents app's; with no information it renders nothing).",
)
def render_macro(
    request: HttpRequest, macro_id: int, conversation: int, incident_status: str | None = None
) -> dict[str, object]:
    agent = agent_of(request)
    macro = access_macro_by_id(agent, macro_id)
    found = access_conversation_by_id(agent, conversation)
    variables = variables_for(
        found.customer,
        agent,
        signature_style=agent.workspace.signature_style,
        incident_status=incident_status or incident_status_for(found.pk, macro.language),
    )
    return {
        "macro_id": macro.pk,
        "conversation_id": found.pk,
        "language": macro.language,
        "text": render(macro.text, variables),
    }


@notifications_router.get("", response=list[NotificationOut])
def list_notifications(request: HttpRequest, unread: bool = False) -> list[Notification]:
    return list(notifications_for(agent_of(request), unread_only=unread)[:100])
