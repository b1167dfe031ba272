"""A small Graph API client on the process's pooled, guarded HTTP client (`resonanz.core.http`) with explicit
timeouts. Errors come back as `GraphError` with Graph's
``error.message``, ``code``, ``error_subcode`` and ``is_transient``."""

from __future__ import annotations

from typing import Any

import httpx

from resonanz.core import http

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
DEFAULT_TIMEOUT_SECONDS = 10.0
# Graph's throttling codes: app (4), user (17), page (32), call-rate (613); 80001+ are the newer
# business-use-case limits (80001 pages). They clear by themselves: retry later.
THROTTLING_CODES = frozenset({4, 17, 32, 613, 80001, 80006})
TOKEN_INVALID_CODE = 190
# "This activity was already replied to": a private reply per comment is allowed once.
ALREADY_REPLIED_SUBCODES = frozenset({2018278})
ALREADY_REPLIED_CODES = frozenset({10900})


class GraphError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.subcode = subcode
        self.transient = transient


class GraphNetworkError(GraphError):
    """Timeout or connection failure: the platform may or may not have acted."""


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GraphClient:
    def __init__(self, base_url: str, page_token: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_token = page_token
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    def request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> dict[str, Any]:
        try:
            response = http.request(
                method,
                f"{self.base_url}/{path.lstrip('/')}",
                params=params,
                json=json,
                headers={"Authorization": f"Bearer {self.page_token}", "User-Agent": "Resonanz"},
                timeout=self.timeout,
                total_seconds=self.timeout.read * 3 if self.timeout.read else http.DEFAULT_TOTAL_SECONDS,
            )
        except (httpx.HTTPError, http.DeadlineExceeded) as error:
            raise GraphNetworkError(f"{type(error).__name__}: {error}", transient=True) from error
        except http.OutboundError as error:  # refused target, oversized answer: trying again cannot help
            raise GraphError(str(error), transient=False) from error
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400 or (isinstance(data, dict) and "error" in data):
            detail = data.get("error") if isinstance(data, dict) else None
            if not isinstance(detail, dict):
                raise GraphError(
                    f"{response.status_code} {response.text[:300]}",
                    status_code=response.status_code,
                    transient=response.status_code >= 500,
                )
            code = _as_int(detail.get("code"))
            raise GraphError(
                str(detail.get("message") or response.reason_phrase),
                status_code=response.status_code,
                code=code,
                subcode=_as_int(detail.get("error_subcode")),
                transient=bool(detail.get("is_transient"))
                or code in THROTTLING_CODES
                or response.status_code >= 500,
            )
        if not isinstance(data, dict):
            raise GraphError("answer is not a JSON object", status_code=response.status_code, transient=True)
        return data

    def reply_to_comment(self, object_id: str, text: str) -> dict[str, Any]:
        return self.request("POST", f"{object_id}/comments", json={"message": text})

    def comments(self, object_id: str) -> dict[str, Any]:
        return self.request(
            "GET",
            f"{object_id}/comments",
            params={"fields": "id,message,from", "order": "reverse_chronological", "limit": 50},
        )

    def hide_comment(self, comment_id: str) -> dict[str, Any]:
        return self.request("POST", comment_id, json={"is_hidden": True})

    def send_message(
        self, page_id: str, recipient: dict[str, str], text: str, metadata: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"recipient": recipient, "message": {"text": text, "metadata": metadata}}
        if "id" in recipient:
            body["messaging_type"] = "RESPONSE"
        return self.request("POST", f"{page_id}/messages", json=body)

    def conversation_messages(self, page_id: str, psid: str) -> dict[str, Any]:
        return self.request(
            "GET",
            f"{page_id}/conversations",
            params={
                "platform": "messenger",
                "user_id": psid,
                "fields": "messages.limit(25){id,message,from}",
            },
        )
