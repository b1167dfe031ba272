"""Feed bytes → entries (feedparser), keyword rules, and the stored shape of one entry.

One inbound event is one feed entry, stored as the plain JSON feedparser gave us (strings only), so
``parse_inbound`` can run again later on exactly what was fetched."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import feedparser

from resonanz.channels.base import MalformedPayload

EVENT_TYPE = "entry"
MAX_FIELD = 100_000
MAX_ID = 255


@dataclass(frozen=True)
class Feed:
    title: str
    link: str
    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class KeywordRules:
    """An entry is ingested if it contains any keyword (all entries when there are none) and no negative
    keyword. Case-insensitive substring match, so "störung" also finds "Netzstörung" (German compounds)."""

    keywords: tuple[str, ...] = ()
    negative_keywords: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> KeywordRules:
        def words(key: str) -> tuple[str, ...]:
            value = config.get(key) or []
            if isinstance(value, str):
                value = value.split(",")
            return tuple(w.strip().casefold() for w in value if isinstance(w, str) and w.strip())

        return cls(keywords=words("keywords"), negative_keywords=words("negative_keywords"))

    def matches(self, text: str) -> list[str]:
        """The keywords found (["*"] with no keywords); empty when the entry is not for us."""
        folded = text.casefold()
        if any(word in folded for word in self.negative_keywords):
            return []
        if not self.keywords:
            return ["*"]
        return [word for word in self.keywords if word in folded]


def _text(value: Any) -> str:
    # NUL cannot be stored in PostgreSQL text or JSON; feedparser lets it through from broken feeds.
    return value.replace("\x00", "")[:MAX_FIELD] if isinstance(value, str) else ""


def _timestamp(entry: Any) -> str:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if isinstance(parsed, time.struct_time):
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC).isoformat()
            except (OverflowError, ValueError, OSError):
                continue
    return ""


def _entry(entry: Any) -> dict[str, Any]:
    content = entry.get("content")
    body = ""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        body = _text(content[0].get("value"))
    return {
        "id": _text(entry.get("id")),
        "link": _text(entry.get("link")),
        "title": _text(entry.get("title")),
        "summary": _text(entry.get("summary")),
        "content": body,
        "author": _text(entry.get("author"))[:200],
        "published": _timestamp(entry),
    }


def parse_feed(body: bytes) -> Feed:
    """Raise MalformedPayload when the bytes are no RSS/Atom feed at all; a feed with a few broken
    entries still parses (feedparser is lenient, each entry is checked on its own later)."""
    if not body.strip():
        raise MalformedPayload("feed is empty")
    try:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except Exception as error:
        raise MalformedPayload(f"unreadable feed ({type(error).__name__})") from None
    if not parsed.get("version") and not parsed.get("entries"):
        reason = parsed.get("bozo_exception")
        raise MalformedPayload(f"not an RSS or Atom feed: {reason}"[:300])
    feed = parsed.get("feed", {})
    entries = []
    for entry in parsed.get("entries", []):
        try:
            entries.append(_entry(entry))
        except Exception:  # one strange entry must not cost the others
            entries.append({})
    return Feed(title=_text(feed.get("title"))[:300], link=_text(feed.get("link"))[:500], entries=entries)


def entry_external_id(entry: dict[str, Any]) -> str:
    """The entry's id/guid, or a hash of its link; raises MalformedPayload when it has neither."""
    entry_id = str(entry.get("id") or "").strip()
    if entry_id and len(entry_id) <= MAX_ID:
        return entry_id
    if entry_id:
        return "id-sha256:" + hashlib.sha256(entry_id.encode()).hexdigest()
    link = str(entry.get("link") or "").strip()
    if link:
        return "link-sha256:" + hashlib.sha256(link.encode()).hexdigest()
    raise MalformedPayload("entry has neither an id nor a link")


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
