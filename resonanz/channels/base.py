"""The channel adapter protocol. An adapter is code (one class per platform, listed in the registry);
a ChannelAccount row is one installation of it (credentials, config, status).

Inbound: the webhook view or poller stores raw events (`RawEvent`) first; a worker later calls
`parse_inbound` to turn one raw payload into zero or more `NormalizedMessage`s.
Outbound: the send task calls `send_outbound` with an `OutboundRequest` and gets a `SendResult`, or an
exception: `TransientSendError` (network, 5xx, 429: retried with backoff) or `PermanentSendError` (4xx:
failed at once, the platform's message shown to the agent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError

# What an adapter produces lives with what consumes it (customers resolve authors, conversations thread
# messages); re-exported here so every channel package imports its vocabulary from one place.
from resonanz.conversations.normalized import InboundAttachment as InboundAttachment
from resonanz.conversations.normalized import NormalizedMessage as NormalizedMessage
from resonanz.customers.authors import Author as Author

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from resonanz.channels.models import ChannelAccount


ModelT = TypeVar("ModelT", bound=BaseModel)


class MalformedPayload(ValueError):
    """The payload is not of the shape the channel documents; nothing of it is stored."""


def describe_validation_error(error: ValidationError) -> str:
    """The first few fields at fault, as "author.handle: Field required; text: …"."""
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"]) or "body"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def validate_payload(model: type[ModelT], data: Any) -> ModelT:
    """Validate a platform payload into its pydantic model, or raise MalformedPayload saying what is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise MalformedPayload(describe_validation_error(error)) from None


class IgnoredEvent(Exception):
    """A well-formed event we do not handle (unknown type, our own echo…): acknowledged and logged."""


class TransientSendError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after


class PermanentSendError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class RawEvent:
    """One raw event as received; ``external_id`` is the platform's stable id for idempotency."""

    external_id: str
    payload: dict[str, Any]
    event_type: str = ""


@dataclass(frozen=True)
class OutboundRequest:
    delivery_id: int
    idempotency_key: str
    action: str  # one of the adapter's outbound_actions: reply, comment, direct_message, email, post, hide…
    text: str
    is_public: bool
    recipient_handle: str = ""
    in_reply_to_external_id: str = ""
    thread_external_ids: tuple[str, ...] = ()
    subject: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # 1 on the first try; more means an earlier try may have reached the platform (a worker died, a
    # timeout): adapters look the post up on the platform before sending again.
    attempt: int = 1


@dataclass(frozen=True)
class SendResult:
    external_ids: list[str]


# Outbound actions: the forms a delivery takes on a platform. An adapter lists those it sends in
# `outbound_actions` and chooses one for a reply (`reply_action`) and for an announcement
# (`announcement_action`).
REPLY = "reply"  # a public answer under the customer's post (X reply)
COMMENT = "comment"  # a public comment under the customer's comment (Facebook)
DIRECT_MESSAGE = "direct_message"  # a private message to the customer (X DM, Messenger, the app)
EMAIL = "email"  # an e-mail to the customer, threaded under theirs
# A public post of our own, answering nobody (an announcement); sent by `ChannelAdapter.publish_post`.
PUBLISH_POST = "publish_post"
HIDE = "hide"  # hide the customer's public post (Facebook comment moderation)


@dataclass(frozen=True)
class TextMeasure:
    """A draft as the platform will count it, for the composer while an agent types."""

    length: int  # as the platform counts it (X: weighted, a URL is 23)
    limit: int  # the most one post may hold; 0: no limit
    # The posts a long text becomes on a channel that threads ("thread" capability), when more than one.
    parts: tuple[str, ...] = ()


class ChannelAdapter:
    """Base class. Subclasses set ``kind``, ``identity_kind`` and ``capabilities`` and implement what they
    support. The channel's label, configuration, URLs and tasks are in its `channel.py` (a ChannelSpec)."""

    # ChannelAccount.kind of the channel's accounts, and the name of its package.
    kind: ClassVar[str]
    # The identity kind of authors on this channel (x, facebook, email…).
    identity_kind: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset()
    # What `send_outbound` accepts in `OutboundRequest.action`.
    outbound_actions: ClassVar[frozenset[str]] = frozenset()
    # Longest text one outbound post may hold; longer replies are split by `format_outbound`.
    max_text_length: ClassVar[int | None] = None

    def reply_action(self, account: ChannelAccount, *, is_public: bool, in_reply_to_external_id: str) -> str:
        """The form an agent's reply takes: a public reply where the conversation is public, else a direct
        message. Channels whose replies take another form (an e-mail, a comment) say so here; the caller
        (`channels.replies`) never decides by channel."""
        return REPLY if is_public else DIRECT_MESSAGE

    def measure_text(self, text: str, *, signature: str) -> TextMeasure:
        """How long the draft is on this platform and what it becomes (the composer's counter)."""
        return TextMeasure(length=len(text), limit=self.max_text_length or 0)

    def platform_kind(self, config: dict[str, Any]) -> str:
        """The platform an account of this channel stands for, as routing rules, SLAs and badges see it:
        the channel's kind (the fake channel answers the kind it imitates)."""
        return self.kind

    def announcement_action(self, account: ChannelAccount) -> str | None:
        """The action that posts a public text of our own on this channel (an incident update for
        everyone), or None when the channel cannot post without answering someone."""
        can = PUBLISH_POST in self.outbound_actions or PUBLISH_POST in self.capabilities
        return PUBLISH_POST if can else None

    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        """Raise `SignatureInvalid` when the webhook request is not from the platform."""
        raise SignatureInvalid("this channel takes no webhooks")

    def challenge_response(self, account: ChannelAccount, request: HttpRequest) -> HttpResponse | None:
        """Answer a platform's GET verification (X CRC, Facebook hub.challenge); None if not supported."""
        return None

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        """Split a verified webhook body into raw events; raise MalformedPayload for a bad body."""
        raise MalformedPayload("this channel takes no webhooks")

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        raise NotImplementedError

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        raise PermanentSendError(f"{self.kind} cannot send")

    def publish_post(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        """Publish `request.text` as a post of the account's own (an announcement on its timeline or page),
        not a reply to anyone. Adapters that can declare the capability PUBLISH_POST; the send task calls
        this for deliveries whose action is PUBLISH_POST, with the same retries and rate-limit handling."""
        raise PermanentSendError(f"{self.kind} cannot publish a post")


class SignatureInvalid(Exception):
    """The webhook request's signature is missing or wrong: 401/403 and nothing stored."""
