"""The CTI webhook's event format (what a telephony system posts; see docs/channels/phone.md).

One event, or ``{"events": [...]}`` with at most 100. Every event has ``id`` (unique per channel account)
and ``event``; the known events are validated in full, unknown ones are stored and ignored:

    {"id": "evt-1", "event": "call.started", "call_id": "c-4711", "from": "+49 221 1234567",
     "to": "+49 800 1234567", "direction": "inbound", "occurred_at": "2026-11-23T09:15:00+01:00",
     "caller_name": "Anna Beispiel"}
    {"id": "evt-2", "event": "call.ended", "call_id": "c-4711", "from": "…", "duration_seconds": 312}
    {"id": "evt-3", "event": "call.recording", "call_id": "c-4711", "from": "…",
     "recording_url": "https://pbx.example.org/rec/c-4711.mp3", "duration_seconds": 305}
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from resonanz.channels.base import MalformedPayload, describe_validation_error
from resonanz.channels.webhook.payloads import body_items

CALL_STARTED = "call.started"
CALL_ENDED = "call.ended"
CALL_RECORDING = "call.recording"
KNOWN_EVENTS = (CALL_STARTED, CALL_ENDED, CALL_RECORDING)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=200)
    event: str = Field(min_length=1, max_length=60)


class CallEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200)
    event: Literal["call.started", "call.ended", "call.recording"]
    call_id: str = Field(min_length=1, max_length=120)
    from_number: str = Field(alias="from", min_length=1, max_length=40)
    to_number: str = Field(default="", alias="to", max_length=40)
    direction: Literal["inbound", "outbound"] = "inbound"
    occurred_at: dt.datetime | None = None
    caller_name: str = Field(default="", max_length=200)
    duration_seconds: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)
    recording_url: str = Field(default="", max_length=500)

    @field_validator("recording_url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    def check_complete(self) -> CallEvent:
        if self.event == CALL_ENDED and self.duration_seconds is None:
            raise MalformedPayload("call.ended needs duration_seconds")
        if self.event == CALL_RECORDING and not self.recording_url:
            raise MalformedPayload("call.recording needs recording_url")
        return self

    @property
    def customer_number(self) -> str:
        """The customer's side of the call: the caller on inbound calls, the callee on outbound ones."""
        return self.from_number if self.direction == "inbound" else (self.to_number or self.from_number)


def parse_call_event(data: Any) -> CallEvent:
    try:
        return CallEvent.model_validate(data).check_complete()
    except ValidationError as error:
        raise MalformedPayload(describe_validation_error(error)) from None


def parse_body(body: bytes) -> list[dict[str, Any]]:
    """Validate a whole request: every event must be well-formed, or none is stored. Unknown event types
    only need the envelope (id, event); they are stored and ignored by the worker."""
    events = []
    for index, item in enumerate(body_items(body)):
        try:
            envelope = Envelope.model_validate(item)
            if envelope.event in KNOWN_EVENTS:
                parse_call_event(item)
        except ValidationError as error:
            raise MalformedPayload(f"event {index}: {describe_validation_error(error)}") from None
        except MalformedPayload as error:
            raise MalformedPayload(f"event {index}: {error}") from None
        events.append(item)
    return events
