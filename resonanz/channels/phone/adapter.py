"""The phone channel: a CTI system posts call events (signed like the generic webhook); each call becomes
messages in the customer's open conversation found by the CTI lookup, so the call history sits next to
the X thread or the e-mail it follows up. Calls cannot be "sent": the channel is inbound only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from resonanz.channels.base import (
    Author,
    ChannelAdapter,
    IgnoredEvent,
    MalformedPayload,
    NormalizedMessage,
    RawEvent,
)
from resonanz.channels.phone.payloads import (
    CALL_ENDED,
    CALL_RECORDING,
    CALL_STARTED,
    KNOWN_EVENTS,
    CallEvent,
    parse_body,
    parse_call_event,
)
from resonanz.channels.webhook.adapter import SIGNATURE_HEADER, verify_signature
from resonanz.core.errors import InvalidInput
from resonanz.customers.phone import normalize_number

if TYPE_CHECKING:
    from django.http import HttpRequest

    from resonanz.channels.models import ChannelAccount


def call_message_id(call_id: str, event: str) -> str:
    """``call:c-4711:started``: one message per call and event, whatever the event's delivery id."""
    return f"call:{call_id}:{event.removeprefix('call.')}"


def duration_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def call_text(call: CallEvent, number: str) -> str:
    if call.event == CALL_STARTED:
        return f"Anruf von {number}" if call.direction == "inbound" else f"Anruf an {number}"
    if call.event == CALL_ENDED:
        return f"Anruf beendet (Dauer {duration_text(call.duration_seconds or 0)} Min.)"
    return f"Gesprächsaufzeichnung: {call.recording_url}"


def _number(call: CallEvent) -> str:
    try:
        return normalize_number(call.customer_number)
    except InvalidInput as error:
        raise MalformedPayload(
            f"{'from' if call.direction == 'inbound' else 'to'}: {error.message}"
        ) from None


class PhoneAdapter(ChannelAdapter):
    kind = "phone"
    identity_kind = "phone"
    capabilities = frozenset({"inbound_webhook"})

    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        verify_signature(account.secret, request.body, request.headers.get(SIGNATURE_HEADER))

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        events = []
        for item in parse_body(body):
            if item["event"] in KNOWN_EVENTS:
                _number(parse_call_event(item))  # a number we cannot read is a malformed payload
            events.append(RawEvent(external_id=str(item["id"]), payload=item, event_type=str(item["event"])))
        return events

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        kind = event.payload.get("event") if isinstance(event.payload, dict) else None
        if kind not in KNOWN_EVENTS:
            raise IgnoredEvent(f"unknown phone event {kind!r}")
        call = parse_call_event(event.payload)
        number = _number(call)
        created = call.occurred_at or timezone.now()
        if timezone.is_naive(created):
            created = timezone.make_aware(created)
        details: dict[str, object] = {
            "call_id": call.call_id,
            "event": call.event,
            "direction": call.direction,
            "number": number,
        }
        if call.duration_seconds is not None:
            details["duration_seconds"] = call.duration_seconds
        if call.recording_url:
            details["recording_url"] = call.recording_url
        return [
            NormalizedMessage(
                external_id=call_message_id(call.call_id, call.event),
                author=Author(kind="phone", handle=number, display_name=call.caller_name),
                text=call_text(call, number),
                created_at=created,
                is_public=False,
                reply_to_external_id=""
                if call.event == CALL_STARTED
                else call_message_id(call.call_id, CALL_STARTED),
                url=call.recording_url if call.event == CALL_RECORDING else "",
                extra={"call": details},
                conversation_hint_id=self._open_conversation(account, number),
            )
        ]

    @staticmethod
    def _open_conversation(account: ChannelAccount, number: str) -> int | None:
        """The conversation the CTI lookup would show first (routing decides: PHONE_CONVERSATION_HINT)."""
        hint: Callable[[int, str], int | None] = import_string(settings.PHONE_CONVERSATION_HINT)
        return hint(account.workspace_id, number)
