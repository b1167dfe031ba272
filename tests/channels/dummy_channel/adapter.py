"""The dummy platform: it pushes signed JSON batches, can be polled, and takes replies and direct messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from resonanz.channels.base import (
    DIRECT_MESSAGE,
    PUBLISH_POST,
    REPLY,
    Author,
    ChannelAdapter,
    MalformedPayload,
    NormalizedMessage,
    OutboundRequest,
    RawEvent,
    SendResult,
    SignatureInvalid,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from resonanz.channels.models import ChannelAccount

SIGNATURE_HEADER = "X-Dummy-Signature"
# What the platform received from us, as (account id, action, text, in reply to).
SENT: list[tuple[int, str, str, str]] = []


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def raw_event(item: dict[str, Any]) -> RawEvent:
    if not isinstance(item, dict) or not item.get("id") or not isinstance(item.get("text"), str):
        raise MalformedPayload("an item needs an id and a text")
    return RawEvent(external_id=f"dummy-{item['id']}", payload=item, event_type="message")


class DummyAdapter(ChannelAdapter):
    kind = "dummy"
    identity_kind = "dummy"
    capabilities = frozenset({"inbound_webhook", "inbound_poll", "reply", "direct_message"})
    outbound_actions = frozenset({REPLY, DIRECT_MESSAGE, PUBLISH_POST})

    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given, sign(account.secret, request.body)):
            raise SignatureInvalid("wrong dummy signature")

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        try:
            data = json.loads(body)
        except ValueError:
            raise MalformedPayload("not JSON") from None
        return [raw_event(item) for item in data.get("messages", [])]

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        item = event.payload
        return [
            NormalizedMessage(
                external_id=event.external_id,
                author=Author(kind=self.identity_kind, handle=str(item.get("from", "")), display_name=""),
                text=item["text"],
                created_at=timezone.now() - dt.timedelta(seconds=1),
                is_public=bool(item.get("public", False)),
            )
        ]

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        SENT.append((account.pk, request.action, request.text, request.in_reply_to_external_id))
        return SendResult(external_ids=[f"dummy-out-{request.delivery_id}"])
