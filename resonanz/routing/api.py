"""Routing endpoints: the CTI lookup, agent presence, transfers and moving a conversation to private."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from resonanz.conversations.access import access_conversation_by_id
from resonanz.core.errors import NotFound
from resonanz.routing import actions
from resonanz.routing.cti import lookup_number
from resonanz.workspaces.auth import agent_of, auth
from resonanz.workspaces.models import Agent


class ErrorOut(Schema):
    detail: str


class CtiCustomerOut(Schema):
    id: int
    display_name: str
    is_vip: bool


class CtiConversationOut(Schema):
    id: int
    subject: str
    status: str
    priority: int
    is_public: bool
    channel_kind: str
    owner_id: int | None
    last_message_at: dt.datetime


class RingAgentOut(Schema):
    id: int
    display_name: str
    presence: str
    conversation_id: int


class CtiLookupOut(Schema):
    number: str
    customer: CtiCustomerOut | None
    conversations: list[CtiConversationOut]
    ring_first: RingAgentOut | None


class PresenceIn(Schema):
    presence: str


class PresenceOut(Schema):
    agent_id: int
    presence: str


class TransferIn(Schema):
    agent_id: int
    note: str = ""


class OwnershipOut(Schema):
    conversation_id: int
    owner_id: int | None
    team_id: int | None
    priority: int
    is_public: bool


cti_router = Router(tags=["telephony"], auth=auth)


@cti_router.get(
    "/lookup",
    response={200: CtiLookupOut, 400: ErrorOut},
    summary="Who is calling: customer, open conversations, the owner to ring first",
    description=(
        "number: any notation (+49 221 1234567, 0221 1234567, 0049…); German numbers need no country code. "
        "ring_first is the owner of the customer's most recently active open conversation who is online "
        "or away; null when there is none (ring the queue)."
    ),
)
def cti_lookup(request: HttpRequest, number: str = Query(...)) -> dict[str, object]:  # type: ignore[type-arg]
    found = lookup_number(agent_of(request).workspace_id, number)
    return {
        "number": found.number,
        "customer": found.customer,
        "conversations": found.conversations,
        "ring_first": found.ring_first,
    }


agents_router = Router(tags=["agents"], auth=auth)


@agents_router.get("/me/presence", response=PresenceOut)
def get_presence(request: HttpRequest) -> dict[str, object]:
    agent = agent_of(request)
    presence = Agent.objects.filter(pk=agent.pk).values_list("presence", flat=True).get()
    return {"agent_id": agent.pk, "presence": presence}


@agents_router.post("/me/presence", response={200: PresenceOut, 400: ErrorOut})
def set_presence(request: HttpRequest, body: PresenceIn) -> dict[str, object]:
    agent = agent_of(request)
    actions.do_set_presence(agent, body.presence)
    return {"agent_id": agent.pk, "presence": agent.presence}


routing_router = Router(tags=["routing"], auth=auth)


def _ownership(agent: Agent, conversation_id: int) -> dict[str, object]:
    conversation = access_conversation_by_id(agent, conversation_id)
    return {
        "conversation_id": conversation.pk,
        "owner_id": conversation.owner_id,
        "team_id": conversation.team_id,
        "priority": conversation.priority,
        "is_public": conversation.is_public,
    }


@routing_router.post(
    "/{conversation_id}/transfer",
    response={200: OwnershipOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Hand the conversation to another agent (audited in the timeline)",
)
def transfer(request: HttpRequest, conversation_id: int, body: TransferIn) -> dict[str, object]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    to_agent = Agent.objects.filter(pk=body.agent_id, workspace_id=agent.workspace_id).first()
    if to_agent is None:
        raise NotFound(_("Servicekraft %(agent_id)s nicht gefunden") % {"agent_id": body.agent_id})
    actions.do_transfer_conversation(agent, conversation, to_agent, note=body.note)
    return _ownership(agent, conversation_id)


@routing_router.post(
    "/{conversation_id}/move-private",
    response={200: OwnershipOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Answer publicly with a short note and continue the conversation privately",
)
def move_private(request: HttpRequest, conversation_id: int) -> dict[str, object]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    actions.do_move_to_private(agent, conversation)
    return _ownership(agent, conversation_id)
