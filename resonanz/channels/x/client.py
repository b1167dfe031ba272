"""A small X API v2 client on the process's pooled, guarded HTTP client (`resonanz.core.http`) with explicit
timeouts and rate-limit bookkeeping.

Every answer's ``x-rate-limit-remaining`` / ``x-rate-limit-reset`` headers are remembered per endpoint; a
call to an endpoint whose window is used up raises `RateLimited` without touching the network, and a 429
raises it with the reset time the platform gave. Errors come back as `XApiError` with the platform's text
(``detail`` / ``title`` of the v2 problem document)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from resonanz.core import http

DEFAULT_BASE_URL = "https://api.x.com"
DEFAULT_TIMEOUT_SECONDS = 10.0
TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
USER_FIELDS = "username,name"


class XApiError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RateLimited(XApiError):
    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, status_code=429)
        self.retry_after = retry_after


class NetworkError(XApiError):
    """Timeout or connection failure: the platform may or may not have acted."""


@dataclass
class _Window:
    remaining: int
    reset_at: float  # epoch seconds


# Per process: (base URL, token, endpoint) → the last window the platform reported.
_windows: dict[tuple[str, str, str], _Window] = {}
_windows_lock = threading.Lock()


def reset_rate_limit_memory() -> None:
    with _windows_lock:
        _windows.clear()


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(data, dict):
        if data.get("detail") or data.get("title"):
            return str(data.get("detail") or data.get("title"))
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("detail") or errors[0].get("message") or errors[0])
    return response.text[:300]


class XClient:
    def __init__(
        self, base_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, clock: Any = time.time
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._clock = clock

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "User-Agent": "Resonanz"}

    def _check_window(self, endpoint: str) -> None:
        with _windows_lock:
            window = _windows.get((self.base_url, self.token, endpoint))
        if window is not None and window.remaining <= 0:
            wait = window.reset_at - self._clock()
            if wait > 0:
                raise RateLimited(
                    f"rate limit for {endpoint} used up; resets in {wait:.0f} s", retry_after=wait
                )

    def _remember_window(self, endpoint: str, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining")
        reset = response.headers.get("x-rate-limit-reset")
        if remaining is None or reset is None:
            return
        try:
            window = _Window(int(remaining), float(reset))
        except ValueError:
            return
        with _windows_lock:
            _windows[(self.base_url, self.token, endpoint)] = window

    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        """One call; ``endpoint`` names the rate-limit window (e.g. "GET /2/users/:id/mentions")."""
        self._check_window(endpoint)
        try:
            response = http.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                headers=self._headers(),
                timeout=self.timeout,
                total_seconds=self.timeout.read * 3 if self.timeout.read else http.DEFAULT_TOTAL_SECONDS,
            )
        except (httpx.HTTPError, http.DeadlineExceeded) as error:
            raise NetworkError(f"{type(error).__name__}: {error}") from error
        except http.OutboundError as error:  # refused target, oversized answer: trying again cannot help
            raise XApiError(str(error)) from error
        self._remember_window(endpoint, response)
        if response.status_code == 429:
            reset = response.headers.get("x-rate-limit-reset")
            try:
                wait = max(1.0, float(reset) - self._clock()) if reset else 60.0
            except ValueError:
                wait = 60.0
            raise RateLimited(f"429 Too Many Requests: {_error_text(response)}", retry_after=wait)
        if response.status_code >= 400:
            raise XApiError(
                f"{response.status_code} {_error_text(response)}", status_code=response.status_code
            )
        try:
            data = response.json()
        except ValueError as error:
            raise XApiError(f"answer is not JSON: {error}", status_code=response.status_code) from None
        if not isinstance(data, dict):
            raise XApiError("answer is not a JSON object", status_code=response.status_code)
        return data

    # --- endpoints ------------------------------------------------------------------------------------------
    def mentions(
        self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self.request(
            "GET", f"/2/users/{user_id}/mentions", endpoint="GET /2/users/:id/mentions", params=params
        )

    def user_tweets(self, user_id: str, *, max_results: int = 100) -> dict[str, Any]:
        """Our own timeline, newest first: where a resent reply is looked for."""
        return self.request(
            "GET",
            f"/2/users/{user_id}/tweets",
            endpoint="GET /2/users/:id/tweets",
            params={"max_results": max_results, "tweet.fields": TWEET_FIELDS},
        )

    def create_tweet(self, text: str, *, in_reply_to_tweet_id: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if in_reply_to_tweet_id:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to_tweet_id}
        return self.request("POST", "/2/tweets", endpoint="POST /2/tweets", json=body)

    def user_by_username(self, username: str) -> dict[str, Any]:
        return self.request(
            "GET",
            f"/2/users/by/username/{username}",
            endpoint="GET /2/users/by/username/:username",
        )

    def send_direct_message(self, participant_id: str, text: str) -> dict[str, Any]:
        return self.request(
            "POST",
            f"/2/dm_conversations/with/{participant_id}/messages",
            endpoint="POST /2/dm_conversations/with/:participant_id/messages",
            json={"text": text},
        )

    def dm_events(self, participant_id: str) -> dict[str, Any]:
        return self.request(
            "GET",
            f"/2/dm_conversations/with/{participant_id}/dm_events",
            endpoint="GET /2/dm_conversations/with/:participant_id/dm_events",
            params={"dm_event.fields": "id,text,sender_id,created_at", "max_results": 100},
        )

    def stream_rules(self) -> dict[str, Any]:
        return self.request(
            "GET", "/2/tweets/search/stream/rules", endpoint="GET /2/tweets/search/stream/rules"
        )

    def change_stream_rules(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.request(
            "POST", "/2/tweets/search/stream/rules", endpoint="POST /2/tweets/search/stream/rules", json=body
        )

    def stream_lines(self, *, read_timeout: float = 30.0) -> Iterator[str]:
        """Lines of the filtered stream; blank lines are the keep-alive the platform sends every 20 s."""
        params = {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS}
        timeout = httpx.Timeout(read_timeout, connect=5.0)
        try:
            # A stream is meant to last: no total time limit, the read timeout notices a silent platform.
            with http.shared_client().stream(
                "GET",
                self.base_url + "/2/tweets/search/stream",
                params=params,
                headers=self._headers(),
                timeout=timeout,
            ) as response:
                if response.status_code == 429:
                    raise RateLimited("429 on the filtered stream", retry_after=60.0)
                if response.status_code >= 400:
                    response.read()
                    raise XApiError(
                        f"{response.status_code} {_error_text(response)}", status_code=response.status_code
                    )
                yield from response.iter_lines()
        except httpx.HTTPError as error:
            raise NetworkError(f"{type(error).__name__}: {error}") from error
        except http.OutboundRefused as error:
            raise XApiError(str(error)) from error
