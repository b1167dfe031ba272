"""Fetching a feed with a conditional GET (RFC 9110 §13): unchanged feeds cost one 304 and no parsing.

feedparser's own URL fetching has no timeout, so the bytes are fetched here, through the server's one
guarded HTTP client (`resonanz.core.http`: internal targets refused, total time and size capped)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from resonanz import __version__
from resonanz.core import http

TIMEOUT_SECONDS = 15.0
MAX_FEED_BYTES = 5 * 1024 * 1024
TOTAL_TIME_FACTOR = 2  # a whole fetch, redirects included, takes at most twice the per-read timeout
USER_AGENT = f"Resonanz/{__version__} (feed reader)"


class FeedFetchError(Exception):
    """The feed could not be fetched (network, HTTP error, too large); the account is marked unhealthy."""


@dataclass(frozen=True)
class FetchedFeed:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    url: str = ""


def fetch_feed(
    url: str, *, etag: str = "", last_modified: str = "", timeout_seconds: float = TIMEOUT_SECONDS
) -> FetchedFeed:
    """One conditional GET on the shared, guarded client: internal targets refused on every redirect hop,
    at most ``MAX_FEED_BYTES``, and at most twice ``timeout_seconds`` in all (a server that drips bytes
    never holds a worker longer)."""
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response = http.request(
            "GET",
            url,
            headers=headers,
            timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
            total_seconds=timeout_seconds * TOTAL_TIME_FACTOR,
            max_bytes=MAX_FEED_BYTES,
            follow_redirects=True,
        )
    except http.ResponseTooLarge:
        raise FeedFetchError(f"feed is larger than {MAX_FEED_BYTES} bytes") from None
    except http.OutboundError as error:
        raise FeedFetchError(f"cannot fetch {url}: {error}") from error
    except httpx.HTTPError as error:
        raise FeedFetchError(f"cannot fetch {url}: {type(error).__name__}: {error}") from error
    if response.status_code == 304:
        return FetchedFeed(not_modified=True, etag=etag, last_modified=last_modified, url=url)
    if response.status_code >= 400:
        raise FeedFetchError(f"HTTP {response.status_code} from {url}")
    return FetchedFeed(
        not_modified=False,
        body=response.content,
        etag=response.headers.get("ETag", ""),
        last_modified=response.headers.get("Last-Modified", ""),
        url=str(response.url),
    )
