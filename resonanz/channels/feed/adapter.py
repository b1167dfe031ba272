"""The feed channel: listening on RSS/Atom feeds of blogs, forums and review sites.

``config`` of a feed channel account::

    {"url": "https://forum.example/störungen.rss",
     "keywords": ["netzwelt", "störung"],          # an entry must contain one (none: every entry)
     "negative_keywords": ["gewinnspiel"],           # an entry containing one is never ingested
     "poll_every_seconds": 600}

Feeds are read-only: Resonanz listens, agents answer on the site itself (no send capability).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from resonanz.channels.base import Author, ChannelAdapter, MalformedPayload, NormalizedMessage, RawEvent
from resonanz.channels.email.html import html_to_text
from resonanz.channels.feed.payloads import entry_external_id, host_of

if TYPE_CHECKING:
    from resonanz.channels.models import ChannelAccount

IDENTITY_KIND = "feed"


def _datetime(value: Any, default: dt.datetime) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def entry_text(entry: dict[str, Any]) -> str:
    title = str(entry.get("title") or "").strip()
    body = html_to_text(str(entry.get("content") or entry.get("summary") or ""))
    title_text = html_to_text(title)
    if not body or body == title_text:
        return title_text
    return f"{title_text}\n\n{body}" if title_text else body


class FeedAdapter(ChannelAdapter):
    kind = "feed"
    identity_kind = IDENTITY_KIND
    capabilities = frozenset({"inbound_poll", "listening"})

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        payload = event.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("entry"), dict):
            raise MalformedPayload("payload has no feed entry")
        entry: dict[str, Any] = payload["entry"]
        feed: dict[str, Any] = payload["feed"] if isinstance(payload.get("feed"), dict) else {}
        if entry_external_id(entry) != event.external_id:
            raise MalformedPayload("the entry's id does not match the stored event")
        fetched_at = _datetime(payload.get("fetched_at"), timezone.now())
        author = str(entry.get("author") or "").strip()[:200]
        host = host_of(str(feed.get("url") or "")) or host_of(str(entry.get("link") or ""))
        handle = author or host
        if not handle:
            raise MalformedPayload("entry has no author and the feed no host")
        created = _datetime(entry.get("published"), fetched_at) if entry.get("published") else fetched_at
        if created > fetched_at + dt.timedelta(days=1):
            created = fetched_at
        title = html_to_text(str(entry.get("title") or ""))[:500]
        keywords: list[Any] = payload["keywords"] if isinstance(payload.get("keywords"), list) else []
        return [
            NormalizedMessage(
                external_id=event.external_id,
                author=Author(
                    kind=IDENTITY_KIND,
                    handle=handle,
                    display_name=author or str(feed.get("title") or host)[:200],
                ),
                text=entry_text(entry),
                created_at=created,
                is_public=True,
                subject=title,
                url=str(entry.get("link") or "")[:500],
                extra={
                    "feed": {
                        "title": str(feed.get("title") or "")[:300],
                        "url": str(feed.get("url") or "")[:500],
                    },
                    "keywords": [str(k) for k in keywords][:20],
                },
            )
        ]
