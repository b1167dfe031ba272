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
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from twitter_text import extract_emojis_with_indices, extract_urls_with_indices

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
# X's published counting rules are twitter-text's configuration v3; the URL and emoji recognisers are the
# twitter-text-parser package's (its URL extractor knows the top-level domains, so bare domains such as
# "netzwelt.de/hilfe" count 23 as on X). Decision 0561.
MAX_WEIGHT = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2
# twitter-text v3: these code point ranges weigh 1, everything else (CJK, emoji…) weighs 2.
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# No emoji sequence starts below U+2000 except © and ® (keycaps like "1⃣" need U+20E3): a text without such
# characters skips the emoji recogniser, which costs ~30 µs per character.
_EMOJI_FREE = re.compile(r"[^\u00a9\u00ae\u2000-\U0010ffff]*")


def _char_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def weighted_length(text: str) -> int:
    """The length X checks against 280 (twitter-text v3): the text NFC-normalized, every URL 23 (with or
    without a scheme), every emoji sequence 2, other characters 1 or 2 by code point."""
    normalized = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    entities: dict[int, tuple[int, int]] = {}  # start → (length, weight)
    if "." in normalized or ":" in normalized:  # every URL has a dot in its host or a scheme
        for url in extract_urls_with_indices(normalized):
            entities[url["indices"][0]] = (len(url["url"]), URL_WEIGHT)
    if not _EMOJI_FREE.fullmatch(normalized):
        for emoji in extract_emojis_with_indices(normalized):
            entities.setdefault(emoji["indices"][0], (len(emoji["emoji"]), EMOJI_WEIGHT))
    total = 0
    index = 0
    while index < len(normalized):
        entity = entities.get(index)
        if entity is not None:
            total += entity[1]
            index += max(entity[0], 1)
        else:
            total += _char_weight(normalized[index])
            index += 1
    return total


def mask_urls(text: str, mask: str = "URL") -> str:
    """Every URL X would wrap in a t.co link (bare domains included) replaced by ``mask``."""
    normalized = unicodedata.normalize("NFC", text)
    if "." not in normalized and ":" not in normalized:
        return normalized
    out, position = [], 0
    for url in extract_urls_with_indices(normalized):
        start = url["indices"][0]
        out.append(normalized[position:start] + mask)
        position = start + len(url["url"])
    return "".join(out) + normalized[position:]


def _hard_split(word: str, budget: int) -> list[str]:
    """Cut a word longer than a post into pieces of at most ``budget``, counted as X counts."""
    pieces: list[str] = []
    rest = word
    while rest:
        size, weight = 0, 0
        while size < len(rest) and weight + _char_weight(rest[size]) <= budget:
            weight += _char_weight(rest[size])
            size += 1
        size = max(size, 1)
        # A piece may hold a short URL or an emoji whose count differs from its characters': shrink to fit.
        while size > 1 and weighted_length(rest[:size]) > budget:
            size -= 1
        pieces.append(rest[:size])
        rest = rest[size:]
    return pieces


def _pack(words: list[str], budget: int, weights: dict[str, int]) -> list[str]:
    """Words joined by single spaces into parts of at most ``budget``. URLs and emoji never span a space, so a
    part's weight is the sum of its words' weights plus its spaces (each word is counted once)."""
    parts: list[str] = []
    current, current_weight = "", 0
    for word in words:
        if word not in weights:
            weights[word] = weighted_length(word)
        weight = weights[word]
        if current and current_weight + 1 + weight <= budget:
            current, current_weight = f"{current} {word}", current_weight + 1 + weight
            continue
        if not current and weight <= budget:
            current, current_weight = word, weight
            continue
        if current:
            parts.append(current)
        if weight <= budget:
            current, current_weight = word, weight
        else:
            *full, current = _hard_split(word, budget)
            parts.extend(full)
            current_weight = weighted_length(current)
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
    weights: dict[str, int] = {}
    count_digits = 1
    margin = 0  # grows only if a finished post still counts more than the limit (a safety net)
    while True:
        suffix_weight = weighted_length(tail) + len(f" {'9' * count_digits}/{'9' * count_digits}")
        parts = _pack(words, limit - suffix_weight - margin, weights)
        if len(str(len(parts))) > count_digits:
            count_digits += 1
            continue
        posts = [f"{part} {index}/{len(parts)}{tail}" for index, part in enumerate(parts, start=1)]
        overshoot = max(weighted_length(post) for post in posts) - limit
        if overshoot <= 0 or limit - suffix_weight - margin - overshoot < 1:
            return posts
        margin += overshoot
