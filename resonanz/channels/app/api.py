"""The customer-facing API of the app channel, for the widget and the company's own app.

Its own NinjaAPI mounted at /api/app/ (see docs/decisions/0400-app-customer-api.md): customers are not
agents, so it shares neither authentication nor schema with the agent API. Every answer carries the CORS
headers the channel account allows (config["allowed_origins"]); validation errors are 400, not 422.
The agent's side (confirming an address change) is `address_changes_router`, mounted in the agent API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import ValidationError
from ninja.security import APIKeyHeader, HttpBearer
from pydantic import ConfigDict, Field

from resonanz import __version__
from resonanz.channels.app import deflection
from resonanz.channels.app.access import (
    AppCustomer,
    access_customer_conversation,
    app_account_by_id,
    conversations_of,
    customer_messages,
)
from resonanz.channels.app.actions import (
    Submission,
    Submitted,
    TooManyRequests,
    do_confirm_address_change,
    do_submit_app_event,
)
from resonanz.channels.app.payloads import (
    PROBLEM_CATEGORIES,
    AddressChangeIn,
    MessageIn,
    ProblemIn,
    StartIn,
)
from resonanz.channels.app.tokens import verify_user_token, visitor_handle
from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Conversation, Message
from resonanz.core.clientip import client_ip as trusted_client_ip
from resonanz.core.errors import NotAuthenticated, NotFound, PermissionDenied, ResonanzError
from resonanz.workspaces.auth import agent_of
from resonanz.workspaces.auth import auth as agent_auth

VISITOR_HEADER = "X-Resonanz-Visitor"
ALLOW_HEADERS = f"Authorization, Content-Type, {VISITOR_HEADER}"
_ACCOUNT_ATTRIBUTE = "_resonanz_app_account"


# --- Channel account and CORS --------------------------------------------------------------------------------
def account_of_request(request: HttpRequest) -> ChannelAccount:
    """The app channel account named in the URL, loaded once per request."""
    cached = getattr(request, _ACCOUNT_ATTRIBUTE, None)
    if isinstance(cached, ChannelAccount):
        return cached
    match = request.resolver_match
    raw = match.kwargs.get("account_id") if match else None
    try:
        account_id = int(str(raw))
    except ValueError:
        raise NotFound(_("App-Kanal nicht gefunden")) from None
    account = app_account_by_id(account_id)
    setattr(request, _ACCOUNT_ATTRIBUTE, account)
    return account


def allowed_origin(request: HttpRequest, account: ChannelAccount) -> str | None:
    """The request's Origin if the account allows it (its own pages always may), else None."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    configured = account.config.get("allowed_origins") or []
    if origin == f"{request.scheme}://{request.get_host()}":
        return origin
    if isinstance(configured, list) and (origin in configured or "*" in configured):
        return origin
    return None


def add_cors_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    response["Vary"] = "Origin"
    if not request.headers.get("Origin"):
        return response
    try:
        account = account_of_request(request)
    except ResonanzError:
        return response
    origin = allowed_origin(request, account)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Access-Control-Max-Age"] = "600"
    return response


class AppAPI(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return add_cors_headers(request, response)


app_api = AppAPI(
    title="Resonanz App API (customers)",
    version=__version__,
    description=(
        "For the embeddable widget and the company's own app: customers start conversations, report "
        "problems, request address changes and read the replies. Authenticate with the app's signed user "
        f"token (Authorization: Bearer <user id>.<expiry>.<hmac>) or an anonymous visitor id ({VISITOR_HEADER})."
    ),
    urls_namespace="app_api",
)


@app_api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    parts = []
    for item in error.errors[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("body", "body_data")) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return app_api.create_response(request, {"detail": "; ".join(parts)}, status=400)


@app_api.exception_handler(ResonanzError)
def _resonanz_error(request: HttpRequest, error: ResonanzError) -> HttpResponse:
    response = app_api.create_response(request, {"detail": error.message}, status=error.status_code)
    if isinstance(error, TooManyRequests):
        response["Retry-After"] = str(error.retry_after)
    return response


# --- Authentication ------------------------------------------------------------------------------------------
def _checked_account(request: HttpRequest) -> ChannelAccount:
    account = account_of_request(request)
    if request.headers.get("Origin") and allowed_origin(request, account) is None:
        raise PermissionDenied(
            _("Dieser Ursprung darf den App-Kanal nicht nutzen; tragen Sie ihn in allowed_origins ein")
        )
    return account


def max_user_token_seconds(account: ChannelAccount) -> int:
    configured = account.config.get("max_user_token_seconds")
    if isinstance(configured, int) and not isinstance(configured, bool) and configured > 0:
        return configured
    return int(settings.APP_USER_TOKEN_MAX_SECONDS)


class UserToken(HttpBearer):
    """The app's signed user token; a forged or expired token is 401 at once."""

    def authenticate(self, request: HttpRequest, token: str) -> AppCustomer:
        account = _checked_account(request)
        user_id = verify_user_token(
            account.secret, token, max_lifetime_seconds=max_user_token_seconds(account)
        )
        return AppCustomer(account, user_id, "user")


class Visitor(APIKeyHeader):
    """An anonymous visitor's id, generated by the widget and kept in localStorage."""

    param_name = VISITOR_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> AppCustomer | None:
        if not key:
            return None
        account = _checked_account(request)
        if not account.config.get("allow_anonymous", True):
            raise NotAuthenticated(_("Dieser App-Kanal braucht ein signiertes Nutzer-Token"))
        return AppCustomer(account, visitor_handle(key), "visitor")


def customer_of(request: HttpRequest) -> AppCustomer:
    customer = request.auth  # type: ignore[attr-defined]
    assert isinstance(customer, AppCustomer)
    return customer


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR, or behind a reverse proxy the header named in RESONANZ_TRUSTED_PROXY_HEADER.
    return trusted_client_ip(request) or "unknown"


# --- Schemas -------------------------------------------------------------------------------------------------
class ErrorOut(Schema):
    detail: str


class PersonaOut(Schema):
    name: str
    initials: str
    photo_url: str


class CustomerMessageOut(Schema):
    id: int
    conversation_id: int
    direction: str
    kind: str
    text: str
    data: dict[str, Any]
    agent: PersonaOut | None
    created_at: dt.datetime


class CustomerConversationOut(Schema):
    id: int
    subject: str
    status: str
    created_at: dt.datetime
    last_message_at: dt.datetime


class SubmittedOut(Schema):
    client_message_id: str
    duplicate: bool
    conversation_id: int | None
    message: CustomerMessageOut | None


_HIDDEN_DATA = {"client_message_id", "confirmed_by"}


def message_out(message: Message) -> dict[str, Any]:
    app = message.extra.get("app") if isinstance(message.extra, dict) else None
    app = app if isinstance(app, dict) else {}
    agent = message.author_agent if message.direction == Message.Direction.OUTBOUND else None
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "kind": str(app.get("type", "message")),
        "text": message.text,
        "data": {k: v for k, v in app.items() if k not in _HIDDEN_DATA and k != "type"},
        "agent": {"name": agent.first_name, "initials": agent.initials, "photo_url": agent.photo_url}
        if agent
        else None,
        "created_at": message.created_at,
    }


def submitted_out(client_message_id: str, submitted: Submitted) -> tuple[int, dict[str, Any]]:
    message = submitted.message
    body = {
        "client_message_id": client_message_id,
        "duplicate": submitted.duplicate,
        "conversation_id": message.conversation_id if message else None,
        "message": message_out(message) if message else None,
    }
    if message is None:
        return 202, body
    return (200 if submitted.duplicate else 201), body


# --- Customer endpoints --------------------------------------------------------------------------------------
router = Router(tags=["app"], auth=[UserToken(), Visitor()])
SUBMIT_RESPONSES = {
    200: SubmittedOut,
    201: SubmittedOut,
    202: SubmittedOut,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    429: ErrorOut,
}
READ_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _preflight(request: HttpRequest, account_id: int) -> HttpResponse:
    # Browsers ask before a cross-origin POST with JSON or an Authorization header.
    return add_cors_headers(request, HttpResponse(status=204))


def _preflight_conversation(request: HttpRequest, account_id: int, conversation_id: int) -> HttpResponse:
    return add_cors_headers(request, HttpResponse(status=204))


for _path, _view in (
    ("/{account_id}/conversations", _preflight),
    ("/{account_id}/conversations/{conversation_id}/messages", _preflight_conversation),
    ("/{account_id}/problems", _preflight),
    ("/{account_id}/address-changes", _preflight),
    ("/{account_id}/suggestions", _preflight),
    ("/{account_id}/deflection", _preflight),
):
    router.add_api_operation(_path, ["OPTIONS"], _view, auth=None, include_in_schema=False)


@router.post(
    "/{account_id}/conversations",
    response=SUBMIT_RESPONSES,
    summary="Start a conversation (or add to the customer's open one)",
    description="201 stored, 200 the same client_message_id again (stored once), 202 stored but still queued.",
)
def start_conversation(request: HttpRequest, account_id: int, body: StartIn) -> tuple[int, dict[str, Any]]:
    submission = Submission(
        type="message",
        client_message_id=body.client_message_id,
        text=body.text,
        name=body.name,
        email=body.email,
    )
    submitted = do_submit_app_event(customer_of(request), submission, client_ip=client_ip(request))
    return submitted_out(body.client_message_id, submitted)


@router.get(
    "/{account_id}/conversations",
    response={200: list[CustomerConversationOut], **READ_RESPONSES},
    summary="The customer's own conversations, newest first",
)
def list_conversations(request: HttpRequest, account_id: int) -> list[Conversation]:
    return list(conversations_of(customer_of(request)).order_by("-last_message_at", "-id")[:50])


@router.post(
    "/{account_id}/conversations/{conversation_id}/messages",
    response=SUBMIT_RESPONSES,
    summary="Write in one of the customer's own conversations",
)
def post_message(
    request: HttpRequest, account_id: int, conversation_id: int, body: MessageIn
) -> tuple[int, dict[str, Any]]:
    submission = Submission(
        type="message",
        client_message_id=body.client_message_id,
        text=body.text,
        conversation_id=conversation_id,
    )
    submitted = do_submit_app_event(customer_of(request), submission, client_ip=client_ip(request))
    return submitted_out(body.client_message_id, submitted)


@router.get(
    "/{account_id}/conversations/{conversation_id}/messages",
    response={200: list[CustomerMessageOut], **READ_RESPONSES},
    summary="Read a conversation: the customer's messages and the replies (poll with ?after=<last id>)",
)
def list_messages(
    request: HttpRequest, account_id: int, conversation_id: int, after: int = 0
) -> list[dict[str, Any]]:
    conversation = access_customer_conversation(customer_of(request), conversation_id)
    return [message_out(m) for m in customer_messages(conversation, after=after)[:200]]


@router.post(
    "/{account_id}/problems", response=SUBMIT_RESPONSES, summary="Report a problem (structured form)"
)
def report_problem(request: HttpRequest, account_id: int, body: ProblemIn) -> tuple[int, dict[str, Any]]:
    text = f"Problemmeldung – {PROBLEM_CATEGORIES[body.category]}: {body.description}"
    if body.postal_code:
        text += f"\nPLZ: {body.postal_code}"
    submission = Submission(
        type="problem_report",
        client_message_id=body.client_message_id,
        text=text,
        name=body.name,
        problem={"category": body.category, "postal_code": body.postal_code},
    )
    submitted = do_submit_app_event(customer_of(request), submission, client_ip=client_ip(request))
    return submitted_out(body.client_message_id, submitted)


@router.post(
    "/{account_id}/address-changes",
    response=SUBMIT_RESPONSES,
    summary="Request an address change; an agent confirms it before the customer's data changes",
)
def request_address_change(
    request: HttpRequest, account_id: int, body: AddressChangeIn
) -> tuple[int, dict[str, Any]]:
    text = f"Adressänderung: {body.street}, {body.postal_code} {body.city}"
    if body.note:
        text += f"\n{body.note}"
    submission = Submission(
        type="address_change",
        client_message_id=body.client_message_id,
        text=text,
        name=body.name,
        address={"street": body.street, "postal_code": body.postal_code, "city": body.city},
    )
    submitted = do_submit_app_event(customer_of(request), submission, client_ip=client_ip(request))
    return submitted_out(body.client_message_id, submitted)


# --- Deflection: matching answers while the customer types ---------------------------------------------------
SUGGESTION_LOOKUPS_PER_MINUTE = 60  # per client address; the widget asks at most every 0.6 s while typing


class MatchOut(Schema):
    kind: str = Field(description="article or community_answer")
    title: str
    text: str = Field(description="a short excerpt, plain text")
    url: str = Field(description="path of the public page on this installation (help centre or forum)")


class SuggestionsOut(Schema):
    visit: str
    suggestions: list[MatchOut]


class DeflectionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    visit: str = Field(pattern=r"^[0-9a-f]{32}$", description="the id of this typing visit (32 hex digits)")
    event: str = Field(
        pattern=r"^(opened|asked)$", description="opened: a match was opened; asked: sent anyway"
    )


def _check_lookups(account: ChannelAccount, request: HttpRequest) -> None:
    from django.core.cache import cache

    from resonanz.channels.app.actions import client_key

    key = f"app-suggestions:{account.pk}:{client_key(client_ip(request))}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    if count > SUGGESTION_LOOKUPS_PER_MINUTE:
        raise TooManyRequests(_("Zu viele Abfragen; bitte warten Sie eine Minute"), retry_after=60)


@router.get(
    "/{account_id}/suggestions",
    response={200: SuggestionsOut, 429: ErrorOut, **READ_RESPONSES},
    summary="Public answers matching a question being typed (deflection)",
    description=(
        "Public help articles and accepted or official community answers like `q` (at least 8 characters), "
        "in any language. Shown before the customer sends; the visit counts as shown. Report `opened` and "
        "`asked` to /deflection with the same visit id."
    ),
)
def list_suggestions(
    request: HttpRequest, account_id: int, q: str = "", visit: str = "", lang: str = ""
) -> dict[str, Any]:
    import re

    account = customer_of(request).account
    _check_lookups(account, request)
    visit = visit if re.fullmatch(r"[0-9a-f]{32}", visit) else ""
    found = deflection.matches(account, q[:1000], lang if lang in ("de", "en") else "", visit)
    return {"visit": visit, "suggestions": [vars(match) for match in found]}


@router.post(
    "/{account_id}/deflection",
    response={204: None, **READ_RESPONSES, 400: ErrorOut},
    summary="Report that a shown answer was opened, or that the customer sent their question anyway",
)
def report_deflection(request: HttpRequest, account_id: int, body: DeflectionIn) -> tuple[int, None]:
    deflection.record(customer_of(request).account, body.visit, body.event)
    return 204, None


app_api.add_router("/", router)


# --- The agent's side: mounted in the agent API (resonanz/api/views.py) -----------------------------------
class AddressConfirmedOut(Schema):
    customer_id: int
    postal_code: str
    city: str


address_changes_router = Router(tags=["app"], auth=agent_auth)


@address_changes_router.post(
    "/{message_id}/confirm",
    response={200: AddressConfirmedOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Confirm a customer's address change from the app: updates the customer's postal code and city",
)
def confirm_address_change(request: HttpRequest, message_id: int) -> dict[str, Any]:
    customer = do_confirm_address_change(agent_of(request), message_id)
    return {"customer_id": customer.pk, "postal_code": customer.postal_code, "city": customer.city}


# --- The customer API's schema, kept in docs/ and checked by a test ---------------------------------------
def schema_json() -> str:
    import json

    return json.dumps(app_api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema() -> None:
    """`resonanz shell -c "from resonanz.channels.app.api import write_schema; write_schema()"`"""
    from pathlib import Path

    from django.conf import settings

    (Path(settings.BASE_DIR).parent / "docs" / "channels" / "app-openapi.json").write_text(schema_json())
