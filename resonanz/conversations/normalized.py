"""One inbound message as every channel adapter hands it over: the shape threading stores
(resonanz.conversations.actions / inbound)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from resonanz.customers.authors import Author


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class NormalizedMessage:
    external_id: str
    author: Author
    text: str
    created_at: dt.datetime
    is_public: bool = False
    reply_to_external_id: str = ""
    # Extra ids this message may thread under (e-mail References), newest first.
    thread_external_ids: tuple[str, ...] = ()
    subject: str = ""
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[InboundAttachment, ...] = ()
    # A conversation this message belongs to although it came on another channel (a phone call that the
    # CTI lookup matched to the customer's open X conversation). Used only if it is the same customer's.
    conversation_hint_id: int | None = None
