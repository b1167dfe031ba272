"""Customers API: the customer view (profile, identities, cross-channel history), merges and suggestions."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from resonanz.conversations import merges
from resonanz.conversations.access import ConversationHistory, customer_history
from resonanz.conversations.schemas import MessageOut
from resonanz.core.schemas import ErrorOut
from resonanz.customers.access import access_customer_by_id, access_merge_by_id, access_suggestion_by_id
from resonanz.customers.models import Customer, CustomerMerge, Identity, MatchSuggestion
from resonanz.workspaces.auth import agent_of, auth

router = Router(tags=["customers"], auth=auth)


class IdentityOut(Schema):
    id: int
    kind: str
    handle: str
    display_name: str


class CustomerDetailOut(Schema):
    id: int
    display_name: str
    email: str
    phone: str
    postal_code: str
    city: str
    region: str
    language: str
    app_user_id: str
    is_vip: bool
    merged_into_id: int | None
    identities: list[IdentityOut]
    created_at: dt.datetime


class HistoryConversationOut(Schema):
    id: int
    subject: str
    status: str
    priority: int
    is_public: bool
    channel_account_id: int
    channel_kind: str
    owner_id: int | None
    created_at: dt.datetime
    last_message_at: dt.datetime
    messages: list[MessageOut]


class CustomerHistoryOut(Schema):
    customer: CustomerDetailOut
    conversations: list[HistoryConversationOut]
    truncated: bool


class MergeIn(Schema):
    source_customer_id: int


class MergeOut(Schema):
    id: int
    target_id: int
    source_id: int
    actor_id: int | None
    identity_ids: list[int]
    conversation_ids: list[int]
    created_at: dt.datetime
    undone_at: dt.datetime | None


class SuggestionOut(Schema):
    id: int
    customer_id: int
    candidate_id: int
    candidate_name: str
    reason: str
    confidence: float
    evidence: str
    status: str

    @staticmethod
    def resolve_candidate_name(obj: MatchSuggestion) -> str:
        return obj.candidate.display_name


def _customer_out(customer: Customer, identities: list[Identity]) -> dict[str, object]:
    return {
        **{name: getattr(customer, name) for name in CustomerDetailOut.model_fields if name != "identities"},
        "identities": [IdentityOut.from_orm(i) for i in identities],
    }


def _conversation_out(item: ConversationHistory) -> dict[str, object]:
    conversation = item.conversation
    return {
        **{
            name: getattr(conversation, name)
            for name in HistoryConversationOut.model_fields
            if name not in ("channel_kind", "messages")
        },
        "channel_kind": conversation.channel_account.kind,
        "messages": item.messages,
    }


@router.get("/{customer_id}", response={200: CustomerDetailOut, 404: ErrorOut})
def get_customer(request: HttpRequest, customer_id: int) -> dict[str, object]:
    customer = access_customer_by_id(agent_of(request), customer_id)
    return _customer_out(customer, list(customer.identities.order_by("kind", "handle")))


@router.get(
    "/{customer_id}/history",
    response={200: CustomerHistoryOut, 404: ErrorOut},
    summary="The whole cross-channel history of a customer",
    description="All conversations of all the customer's identities, newest first, each with its messages "
    "(oldest first, internal notes included). At most the newest 500 messages; `truncated` says more exist.",
)
def get_customer_history(request: HttpRequest, customer_id: int) -> dict[str, object]:
    history = customer_history(agent_of(request), customer_id)
    return {
        "customer": _customer_out(history.customer, history.identities),
        "conversations": [_conversation_out(item) for item in history.conversations],
        "truncated": history.truncated,
    }


@router.post(
    "/{customer_id}/merge",
    response={201: MergeOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Merge another customer into this one",
    description="Moves the source customer's identities and conversations to this customer. Audited; "
    "undo with POST /api/customers/merges/{merge_id}/undo.",
)
def merge_customer(request: HttpRequest, customer_id: int, body: MergeIn) -> tuple[int, CustomerMerge]:
    agent = agent_of(request)
    target = access_customer_by_id(agent, customer_id)
    source = access_customer_by_id(agent, body.source_customer_id)
    return 201, merges.do_merge_customers(agent, target, source)


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, 404: ErrorOut, 409: ErrorOut})
def undo_merge(request: HttpRequest, merge_id: int) -> CustomerMerge:
    agent = agent_of(request)
    return merges.do_undo_merge(agent, access_merge_by_id(agent, merge_id))


@router.get(
    "/{customer_id}/suggestions",
    response={200: list[SuggestionOut], 404: ErrorOut},
    summary="Customers who are probably the same person",
    description="Computed on request (idempotent: a rejected suggestion is not offered again); open "
    "suggestions, highest confidence first.",
)
def list_suggestions(request: HttpRequest, customer_id: int) -> list[MatchSuggestion]:
    customer = access_customer_by_id(agent_of(request), customer_id)
    return merges.do_compute_suggestions(customer)


@router.post("/suggestions/{suggestion_id}/accept", response={201: MergeOut, 404: ErrorOut, 409: ErrorOut})
def accept_suggestion(request: HttpRequest, suggestion_id: int) -> tuple[int, CustomerMerge]:
    agent = agent_of(request)
    return 201, merges.do_accept_suggestion(agent, access_suggestion_by_id(agent, suggestion_id))


@router.post(
    "/suggestions/{suggestion_id}/reject", response={200: SuggestionOut, 404: ErrorOut, 409: ErrorOut}
)
def reject_suggestion(request: HttpRequest, suggestion_id: int) -> MatchSuggestion:
    agent = agent_of(request)
    merges.do_reject_suggestion(agent, access_suggestion_by_id(agent, suggestion_id))
    return access_suggestion_by_id(agent, suggestion_id)
