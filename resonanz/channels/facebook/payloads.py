"""Facebook Page webhook shapes (only the fields we read).

A delivery is ``{"object": "page", "entry": [{"id": <page id>, "time": …, "changes": [...]}
| {"id": …, "time": …, "messaging": [...]}]}``. We store one raw event per item we handle:

- ``feed``: ``{"page_id": …, "value": <change value>}`` for a visitor's post or comment (verb ``add``);
- ``message``: ``{"page_id": …, "messaging": <messaging item>}`` for a Messenger message to the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from resonanz.channels.base import MalformedPayload, validate_payload

FbId = Field(pattern=r"^[0-9]{1,25}(_[0-9]{1,25})?$", max_length=60)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FbFrom(_Model):
    id: str = FbId
    name: str = Field(default="", max_length=200)


class FeedValue(_Model):
    item: str = Field(max_length=40)
    verb: str = Field(max_length=40)
    post_id: str = FbId
    comment_id: str | None = Field(default=None, pattern=r"^[0-9]{1,25}(_[0-9]{1,25})?$", max_length=60)
    parent_id: str | None = Field(default=None, pattern=r"^[0-9]{1,25}(_[0-9]{1,25})?$", max_length=60)
    # Graph sends no `from` for some visitor posts of people who did not allow apps; we need it.
    from_: FbFrom = Field(alias="from")
    message: str = Field(default="", max_length=100_000)
    created_time: int = Field(ge=0, le=10**11)
    post: dict[str, Any] | None = None

    @field_validator("created_time", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("created_time must be epoch seconds")
        return value


class FeedEvent(_Model):
    page_id: str = FbId
    value: FeedValue


class MessengerParty(_Model):
    id: str = FbId


class MessengerAttachment(_Model):
    type: str = Field(default="", max_length=40)
    payload: dict[str, Any] | None = None


class MessengerMessage(_Model):
    mid: str = Field(min_length=1, max_length=255)
    text: str = Field(default="", max_length=100_000)
    is_echo: bool = False
    attachments: list[MessengerAttachment] = Field(default_factory=list, max_length=50)


class MessagingItem(_Model):
    sender: MessengerParty
    recipient: MessengerParty
    timestamp: int = Field(ge=0, le=10**14)
    message: MessengerMessage | None = None


class MessageEvent(_Model):
    page_id: str = FbId
    messaging: MessagingItem


def parse_feed_event(data: Any) -> FeedEvent:
    return validate_payload(FeedEvent, data)


def parse_message_event(data: Any) -> MessageEvent:
    return validate_payload(MessageEvent, data)


def epoch_to_datetime(seconds: float) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise MalformedPayload(f"time {seconds!r} is out of range") from None
