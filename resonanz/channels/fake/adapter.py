"""The fake channel: speaks the generic event format and imitates any identity kind (x, facebook, forum…)
through ``config["imitates"]``. Used by tests, the demo and `resonanz replay`. Its sender "delivers" by
recording the delivery and returning a stable id, so every path from inbox to outbox runs for real."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resonanz.channels.base import (
    DIRECT_MESSAGE,
    PUBLISH_POST,
    REPLY,
    NormalizedMessage,
    OutboundRequest,
    PermanentSendError,
    RawEvent,
    SendResult,
)
from resonanz.channels.webhook.adapter import WebhookAdapter, normalized_from_generic
from resonanz.channels.webhook.payloads import parse_event

if TYPE_CHECKING:
    from resonanz.channels.models import ChannelAccount


class FakeAdapter(WebhookAdapter):
    kind = "fake"
    identity_kind = "webhook"
    capabilities = frozenset({"inbound_webhook", "reply", "direct_message", PUBLISH_POST})
    outbound_actions = frozenset({REPLY, DIRECT_MESSAGE, PUBLISH_POST})

    def platform_kind(self, config: dict[str, Any]) -> str:
        return str(config.get("imitates") or self.kind)

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        generic = parse_event(event.payload)
        kind = str(account.config.get("imitates") or self.identity_kind)
        return [normalized_from_generic(generic, kind, public=account.is_public)]

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        if account.config.get("fail_sends"):
            raise PermanentSendError("fake platform refuses sends (config fail_sends)", status_code=403)
        return SendResult(external_ids=[f"fake-out-{request.idempotency_key}"])

    def publish_post(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        return self.send_outbound(account, request)
