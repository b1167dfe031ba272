"""The REST API (Django Ninja). Thin: authenticate, call an access function or an action, shape the answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from resonanz import __version__
from resonanz.analytics.api import router as analytics_router
from resonanz.api.customers import router as customers_router
from resonanz.api.health import add_to_openapi as add_health_to_openapi
from resonanz.channels import replies
from resonanz.channels.access import channel_account_for_webhook
from resonanz.channels.base import MalformedPayload, SignatureInvalid
from resonanz.channels.ingest import accept_events
from resonanz.channels.registry import api_routers as channel_api_routers
from resonanz.channels.registry import get_adapter
from resonanz.conversations import actions
from resonanz.conversations.access import access_conversation_by_id, conversations_for, messages_of
from resonanz.conversations.api import macros_router, notes_router, notifications_router
from resonanz.conversations.models import Conversation, Message
from resonanz.conversations.schemas import ConversationOut, MessageOut, ReplyIn, StatusIn
from resonanz.core.errors import NotFound, ResonanzError
from resonanz.core.schemas import AcceptedOut, ErrorOut
from resonanz.incidents.api import router as incidents_router
from resonanz.understanding.api import router as understanding_router
from resonanz.workspaces.api import agents_router
from resonanz.workspaces.auth import agent_of, auth, ingest_token_admits


class ValidationErrorItem(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]


def document_validation_errors(schema: dict[str, Any]) -> None:
    """Ninja answers 422 when a parameter or body does not parse, but does not say so in the schema."""
    found = ValidationErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(found.pop("$defs", {}))
    components["ValidationErrorOut"] = found
    answer = {
        "description": "a parameter or the body does not match the schema",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrorOut"}}},
    }
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if operation.get("parameters") or operation.get("requestBody"):
                operation.setdefault("responses", {}).setdefault(422, answer)


class ResonanzAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        document_validation_errors(schema)
        add_health_to_openapi(schema)
        return schema


api = ResonanzAPI(
    title="Resonanz API",
    version=__version__,
    description="Conversations, messages and replies; the generic webhook for pushing messages in.",
    urls_namespace="api",
)


@api.exception_handler(ResonanzError)
def _resonanz_error(request: HttpRequest, error: ResonanzError) -> HttpResponse:
    return api.create_response(request, {"detail": error.message}, status=error.status_code)


conversations_router = Router(tags=["conversations"], auth=auth)


class Pagination(LimitOffsetPagination):
    """Limit/offset with a bounded offset: past it a 422, not a database error (SQLite's integers end at
    2**63; nobody pages a billion conversations deep)."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=1_000_000_000)


@conversations_router.get("", response=list[ConversationOut])
@paginate(Pagination)
def list_conversations(request: HttpRequest, status: str | None = Query(None)) -> QuerySet[Conversation]:  # type: ignore[type-arg]
    agent = agent_of(request)
    queryset = (
        conversations_for(agent)
        .select_related("customer", "channel_account")
        .order_by("-last_message_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


@conversations_router.get("/{conversation_id}", response={200: ConversationOut, 404: ErrorOut})
def get_conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    return access_conversation_by_id(agent_of(request), conversation_id)


@conversations_router.get("/{conversation_id}/messages", response={200: list[MessageOut], 404: ErrorOut})
def list_messages(request: HttpRequest, conversation_id: int) -> QuerySet[Message]:
    conversation = access_conversation_by_id(agent_of(request), conversation_id)
    return messages_of(conversation)


@conversations_router.post(
    "/{conversation_id}/replies",
    response={200: MessageOut, 201: MessageOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    description=(
        "201: the reply is stored and on its way. With an idempotency key (the `Idempotency-Key` header or "
        "the `idempotency_key` field) a repeated request answers 200 with the reply stored the first time "
        "and sends nothing again; the same key with another text is 409."
    ),
)
def post_reply(request: HttpRequest, conversation_id: int, body: ReplyIn) -> tuple[int, Message]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    key = body.idempotency_key if body.idempotency_key is not None else request.headers.get("Idempotency-Key")
    if key is not None:
        replies.check_idempotency_key(key)
    sent = replies.do_send_reply_once(
        agent, conversation, body.text, private=body.private, idempotency_key=key or ""
    )
    return (200 if sent.duplicate else 201), messages_of(conversation).get(pk=sent.message.pk)


@conversations_router.post(
    "/{conversation_id}/messages/{message_id}/retry",
    response={202: MessageOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Send a failed reply again",
    description="Only a failed delivery can be retried (409 otherwise); it is pending again with fresh attempts.",
)
def retry_delivery(request: HttpRequest, conversation_id: int, message_id: int) -> tuple[int, Message]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    message = messages_of(conversation).filter(pk=message_id, direction=Message.Direction.OUTBOUND).first()
    if message is None:
        raise NotFound(
            _("Ausgehende Nachricht %(message_id)s gibt es in diesem Gespräch nicht")
            % {"message_id": message_id}
        )
    replies.do_retry_delivery(agent, message)
    return 202, messages_of(conversation).get(pk=message.pk)


@conversations_router.post(
    "/{conversation_id}/status", response={200: ConversationOut, 400: ErrorOut, 404: ErrorOut}
)
def set_status(request: HttpRequest, conversation_id: int, body: StatusIn) -> Conversation:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    actions.do_change_status(agent, conversation, body.status)
    return access_conversation_by_id(agent, conversation_id)


channels_router = Router(tags=["channels"])


@channels_router.post(
    "/{account_id}/events",
    response={200: AcceptedOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Push events into a channel (signed webhook)",
    description=(
        'Body: one event or {"events": [...]} (at most 100). Header X-Resonanz-Signature: '
        "sha256=<hex HMAC-SHA256 of the raw body with the channel account's secret>. "
        "Instead of the signature: Authorization: Bearer <an API token with the scope ingest for this "
        "channel account>. Events are stored first and processed by a worker; a repeated event id is "
        "stored once. A disabled channel account answers 403 and stores nothing."
    ),
)
def push_events(request: HttpRequest, account_id: int) -> tuple[int, dict[str, object]]:
    account = channel_account_for_webhook(account_id)
    adapter = get_adapter(account.kind)
    if not ingest_token_admits(request, account.pk, account.workspace_id):
        try:
            adapter.verify_request(account, request)
        except SignatureInvalid as error:
            return 401, {"detail": str(error)}
    try:
        events = adapter.events_from_request(account, request.body)
    except MalformedPayload as error:
        return 400, {"detail": str(error)}
    result = accept_events(account, events)
    return 200, {"accepted": result.accepted, "duplicates": result.duplicates}


@channels_router.get("/{account_id}/events", include_in_schema=False)
def verify_webhook(request: HttpRequest, account_id: int) -> HttpResponse:
    account = channel_account_for_webhook(account_id)
    response = get_adapter(account.kind).challenge_response(account, request)
    if response is None:
        return HttpResponse("this channel has no verification handshake", status=405)
    return response


api.add_router("/conversations", conversations_router)
api.add_router("/channels", channels_router)
api.add_router("/agents", agents_router)
api.add_router("/incidents", incidents_router)

from resonanz.routing.api import agents_router as presence_router  # noqa: E402
from resonanz.routing.api import cti_router, routing_router  # noqa: E402

api.add_router("/cti", cti_router)
api.add_router("/agents", presence_router)
api.add_router("/conversations", routing_router)
api.add_router("/customers", customers_router)
api.add_router("/conversations", notes_router)
api.add_router("/macros", macros_router)
api.add_router("/notifications", notifications_router)
api.add_router("/analytics", analytics_router)
api.add_router("/understanding", understanding_router)
# The channels' routers (address changes from the app, Facebook moderation, call notes), from the registry.
for _prefix, _router in channel_api_routers():
    api.add_router(_prefix, _router)
