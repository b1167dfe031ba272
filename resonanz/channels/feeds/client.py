"""Fetching a feed with a conditional GET (RFC 9110 §13): unchanged feeds cost one 304 and no parsing.

feedparser's own URL fetching has no timeout, so the bytes are fetched here with httpx."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from resonanz import __version__

TIMEOUT_SECONDS = 15.0
MAX_FEED_BYTES = 5 * 1024 * 1024
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
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
                follow_redirects=True,
                max_redirects=5,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 304:
                return FetchedFeed(not_modified=True, etag=etag, last_modified=last_modified, url=url)
            if response.status_code >= 400:
                raise FeedFetchError(f"HTTP {response.status_code} from {url}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_FEED_BYTES:
                    raise FeedFetchError(f"feed is larger than {MAX_FEED_BYTES} bytes")
                chunks.append(chunk)
            return FetchedFeed(
                not_modified=False,
                body=b"".join(chunks),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                url=str(response.url),
            )
    except httpx.HTTPError as error:
        raise FeedFetchError(f"cannot fetch {url}: {type(error).__name__}: {error}") from error
