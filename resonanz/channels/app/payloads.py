"""Shapes of the app channel: what the widget posts (the `*In` schemas) and the raw event stored for it.

The raw event (``AppEvent``) is what `accept_events` commits and `AppAdapter.parse_inbound` reads later:

    {"type": "message" | "problem_report" | "address_change",
     "client_message_id": "m-5f2c…",              # the widget's id for this message: retries store it once
     "author": {"kind": "user" | "visitor", "handle": "kunde-4711", "name": "Anna", "email": ""},
     "text": "…",
     "conversation_id": 12,                       # optional: the customer's own conversation to continue
     "sent_at": "2026-11-23T09:15:00+00:00",
     "problem": {"category": "internet", "postal_code": "50667"},           # problem_report only
     "address": {"street": "…", "postal_code": "…", "city": "…"},           # address_change only
     "meta": {"limit_key": "anon-start:…"}}        # rate-limit bookkeeping, never shown
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from resonanz.channels.base import IgnoredEvent, MalformedPayload

MAX_TEXT_LENGTH = 5_000
POSTAL_CODE = r"^[0-9]{5}$"
CLIENT_MESSAGE_ID = r"^[A-Za-z0-9_\-]{8,64}$"
EVENT_TYPES = ("message", "problem_report", "address_change")

# Problem categories the widget offers, with their German labels (the message text is German first).
PROBLEM_CATEGORIES: dict[str, str] = {
    "internet": "Internet",
    "tv": "Fernsehen",
    "phone": "Festnetz",
    "mobile": "Mobilfunk",
    "device": "Router/Gerät",
    "billing": "Rechnung",
    "other": "Sonstiges",
}
ProblemCategory = Literal["internet", "tv", "phone", "mobile", "device", "billing", "other"]


# --- What the widget posts ---------------------------------------------------------------------------------
class _In(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_message_id: str = Field(pattern=CLIENT_MESSAGE_ID)


class StartIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)


class ProblemIn(_In):
    category: ProblemCategory
    description: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    postal_code: str = Field(default="", pattern=r"^([0-9]{5})?$")
    name: str = Field(default="", max_length=200)


class AddressChangeIn(_In):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(pattern=POSTAL_CODE)
    city: str = Field(min_length=1, max_length=120)
    note: str = Field(default="", max_length=1_000)
    name: str = Field(default="", max_length=200)


# --- The stored raw event -----------------------------------------------------------------------------------
class EventAuthor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Literal["user", "visitor"]
    handle: str = Field(min_length=1, max_length=160)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)


class ProblemData(BaseModel):
    category: ProblemCategory
    postal_code: str = Field(default="", pattern=r"^([0-9]{5})?$")


class AddressData(BaseModel):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(pattern=POSTAL_CODE)
    city: str = Field(min_length=1, max_length=120)


class AppEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["message", "problem_report", "address_change"]
    client_message_id: str = Field(pattern=CLIENT_MESSAGE_ID)
    author: EventAuthor
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH + 1_500)
    conversation_id: int | None = None
    sent_at: dt.datetime
    problem: ProblemData | None = None
    address: AddressData | None = None

    @property
    def external_id(self) -> str:
        return event_external_id(self.author.handle, self.client_message_id)


def event_external_id(handle: str, client_message_id: str) -> str:
    """Unique per channel account: two customers may pick the same client id, one customer's retry may not."""
    return f"app:{handle}:{client_message_id}"


def parse_event(data: Any) -> AppEvent:
    if not isinstance(data, dict):
        raise MalformedPayload("an app event is a JSON object")
    kind = data.get("type")
    if isinstance(kind, str) and kind not in EVENT_TYPES:
        raise IgnoredEvent(f"unknown app event type {kind[:40]!r}")
    try:
        event = AppEvent.model_validate(data)
    except ValidationError as error:
        parts = [
            f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}" for item in error.errors()[:5]
        ]
        raise MalformedPayload("; ".join(parts)) from None
    if event.type == "problem_report" and event.problem is None:
        raise MalformedPayload("problem: a problem report needs its problem data")
    if event.type == "address_change" and event.address is None:
        raise MalformedPayload("address: an address change needs the new address")
    return event
