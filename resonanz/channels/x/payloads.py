"""X API v2 payload shapes (only the fields we read) and the rules for splitting a reply into a thread.

Raw events stored for X (``InboundEvent.event_type``):

- ``tweet``: one post from the mentions timeline or the filtered stream, stored as the platform's
  envelope ``{"data": <tweet>, "includes": {"users": [<author>]}, "matching_rules": [...]}``.
- ``direct_message``: one Account Activity DM event, stored as
  ``{"for_user_id": ..., "direct_message_events": [<event>], "users": {<id>: <user>}}``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from resonanz.channels.base import MalformedPayload, validate_payload

# Snowflake ids are decimal strings; anything else is not from X.
XId = Field(pattern=r"^[0-9]{1,25}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class XUser(_Model):
    id: str = XId
    username: str = Field(min_length=1, max_length=50)
    name: str = Field(default="", max_length=200)


class ReferencedTweet(_Model):
    type: str
    id: str = XId


class XTweet(_Model):
    id: str = XId
    text: str = Field(max_length=100_000)
    author_id: str = XId
    created_at: dt.datetime | None = None
    conversation_id: str | None = None
    in_reply_to_user_id: str | None = None
    referenced_tweets: list[ReferencedTweet] = Field(default_factory=list)


class Includes(_Model):
    users: list[XUser] = Field(default_factory=list)


class MatchingRule(_Model):
    id: str = ""
    tag: str = ""


class TweetEnvelope(_Model):
    data: XTweet
    includes: Includes = Field(default_factory=Includes)
    matching_rules: list[MatchingRule] = Field(default_factory=list)


class MessageData(_Model):
    text: str = Field(max_length=100_000)


class DMTarget(_Model):
    recipient_id: str = XId


class MessageCreate(_Model):
    target: DMTarget
    sender_id: str = XId
    message_data: MessageData


class DMEvent(_Model):
    type: str
    id: str = XId
    created_timestamp: str = Field(pattern=r"^[0-9]{1,16}$")
    message_create: MessageCreate | None = None


class AAAUser(_Model):
    id: str = XId
    screen_name: str = Field(min_length=1, max_length=50)
    name: str = Field(default="", max_length=200)


class DMEnvelope(_Model):
    for_user_id: str = XId
    direct_message_events: list[DMEvent] = Field(min_length=1, max_length=1)
    users: dict[str, AAAUser] = Field(default_factory=dict)


def parse_tweet_envelope(data: Any) -> TweetEnvelope:
    return validate_payload(TweetEnvelope, data)


def parse_dm_envelope(data: Any) -> DMEnvelope:
    return validate_payload(DMEnvelope, data)


def load_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedPayload(f"body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise MalformedPayload("body must be a JSON object")
    return data


# --- Threads: X counts characters by weight, and every URL as 23 -------------------------------------------
MAX_WEIGHT = 280
URL_WEIGHT = 23
URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
# twitter-text v3: these code point ranges weigh 1, everything else (CJK, emoji…) weighs 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _char_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def weighted_length(text: str) -> int:
    """The length X checks against 280: URLs count 23, wide characters 2."""
    total = 0
    position = 0
    for match in URL_RE.finditer(text):
        total += sum(_char_weight(c) for c in text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + sum(_char_weight(c) for c in text[position:])


def _hard_split(word: str, budget: int) -> list[str]:
    pieces, current, weight = [], "", 0
    for char in word:
        w = _char_weight(char)
        if weight + w > budget and current:
            pieces.append(current)
            current, weight = "", 0
        current += char
        weight += w
    if current:
        pieces.append(current)
    return pieces


def _pack(words: list[str], budget: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if weighted_length(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
        if weighted_length(word) <= budget:
            current = word
        else:
            *full, current = _hard_split(word, budget)
            parts.extend(full)
    if current:
        parts.append(current)
    return parts


def split_thread(text: str, signature: str = "", limit: int = MAX_WEIGHT) -> list[str]:
    """Split a reply into posts of at most ``limit`` weighted characters. A reply that fits stays one post
    (plus the signature); a longer one becomes a thread numbered " 1/3", " 2/3"… with the signature on every
    part. Words are never split unless one word alone is longer than a post; URLs are never split."""
    text = " ".join(text.split())
    tail = f" {signature}" if signature else ""
    if weighted_length(text + tail) <= limit:
        return [text + tail]
    words = text.split(" ")
    count_digits = 1
    while True:
        suffix_weight = weighted_length(tail) + len(f" {'9' * count_digits}/{'9' * count_digits}")
        parts = _pack(words, limit - suffix_weight)
        if len(str(len(parts))) <= count_digits:
            break
        count_digits += 1
    total = len(parts)
    return [f"{part} {index}/{total}{tail}" for index, part in enumerate(parts, start=1)]
