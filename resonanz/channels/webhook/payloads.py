"""The generic event format any system can push (also used by the fake channel and `resonanz replay`).

One event, or ``{"events": [...]}`` with at most 100 of them:

    {"id": "crm-4711",                            # required: unique per channel account
     "author": {"handle": "anna@example.org",     # required
                "name": "Anna Beispiel",
                "kind": "email",                  # identity kind; defaults to the channel's
                "profile": {"postal_code": "50667"}},
     "text": "Mein Internet geht seit heute früh nicht.",
     "created_at": "2026-11-23T08:15:00+01:00",   # optional, defaults to the time received
     "reply_to": "crm-4700",                      # optional: the id of the message this answers
     "public": false, "subject": "", "url": ""}
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from resonanz.channels.base import MalformedPayload, validate_payload

MAX_EVENTS_PER_REQUEST = 100


class EventAuthor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    handle: str = Field(min_length=1, max_length=254)
    name: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=20)
    profile: dict[str, str] = Field(default_factory=dict)


class GenericEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=255)
    author: EventAuthor
    text: str = Field(max_length=1_000_000)
    created_at: dt.datetime | None = None
    reply_to: str = Field(default="", max_length=255)
    public: bool = False
    subject: str = Field(default="", max_length=500)
    url: str = Field(default="", max_length=500)


def parse_event(data: Any) -> GenericEvent:
    return validate_payload(GenericEvent, data)


def body_items(body: bytes) -> list[Any]:
    """The raw items of a signed request body: one object, or {"events": [...]} with at most 100."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedPayload(f"body is not valid JSON: {error}") from None
    if not (isinstance(data, dict) and "events" in data):
        return [data]
    items = data["events"]
    if not isinstance(items, list) or not items:
        raise MalformedPayload("events must be a non-empty list")
    if len(items) > MAX_EVENTS_PER_REQUEST:
        raise MalformedPayload(f"at most {MAX_EVENTS_PER_REQUEST} events per request, got {len(items)}")
    return items


def parse_body(body: bytes) -> list[GenericEvent]:
    """Validate a whole request: every event must be well-formed, or none is stored."""
    events = []
    for index, item in enumerate(body_items(body)):
        try:
            events.append(parse_event(item))
        except MalformedPayload as error:
            raise MalformedPayload(f"event {index}: {error}") from None
    return events
