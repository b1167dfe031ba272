"""The generic authenticated webhook channel: any system pushes messages with an HMAC-SHA256 signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import TYPE_CHECKING

from django.utils import timezone

from resonanz.channels.base import (
    Author,
    ChannelAdapter,
    NormalizedMessage,
    OutboundRequest,
    RawEvent,
    SendResult,
    SignatureInvalid,
)
from resonanz.channels.webhook.payloads import GenericEvent, parse_body, parse_event
from resonanz.core.compare import constant_time_equal

if TYPE_CHECKING:
    from django.http import HttpRequest

    from resonanz.channels.models import ChannelAccount

SIGNATURE_HEADER = "X-Resonanz-Signature"


def sign(secret: str, body: bytes) -> str:
    """The header value a sender puts in X-Resonanz-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    if not secret:
        raise SignatureInvalid("this channel account has no webhook secret configured")
    if not header:
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
    if not constant_time_equal(sign(secret, body), header.strip()):
        raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body")


def normalized_from_generic(event: GenericEvent, default_kind: str, *, public: bool) -> NormalizedMessage:
    created = event.created_at or timezone.now()
    if timezone.is_naive(created):
        created = timezone.make_aware(created, dt.UTC)
    return NormalizedMessage(
        external_id=event.id,
        author=Author(
            kind=event.author.kind or default_kind,
            handle=event.author.handle,
            display_name=event.author.name,
            profile=dict(event.author.profile),
        ),
        text=event.text,
        created_at=created,
        is_public=event.public or public,
        reply_to_external_id=event.reply_to,
        subject=event.subject,
        url=event.url,
    )


class WebhookAdapter(ChannelAdapter):
    kind = "webhook"
    identity_kind = "webhook"
    capabilities = frozenset({"inbound_webhook"})

    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        verify_signature(account.secret, request.body, request.headers.get(SIGNATURE_HEADER))

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        return [
            RawEvent(external_id=e.id, payload=e.model_dump(mode="json"), event_type="message")
            for e in parse_body(body)
        ]

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        generic = parse_event(event.payload)
        kind = str(account.config.get("identity_kind") or self.identity_kind)
        return [normalized_from_generic(generic, kind, public=account.is_public)]

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        # The generic webhook is inbound only; replies are read back through the REST API.
        return SendResult(external_ids=[f"webhook-out-{request.idempotency_key}"])
