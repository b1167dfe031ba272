"""A local fake of the Graph API for one Facebook Page, for tests and the demo
(`resonanz fakeplatform facebook --port 8102`).

Speaks the documented shapes under a version prefix (``/v21.0/...``): comment replies
(`POST /{object-id}/comments` → ``{"id"}``), reading comments (``data`` + ``paging``), hiding
(`POST /{comment-id}` with ``is_hidden`` → ``{"success": true}``), the Messenger Send API
(`POST /{page-id}/messages` with ``recipient.id`` (PSID) or ``recipient.comment_id`` — one private reply per
comment), and the page's Messenger conversations. Errors are Graph error objects (``message``, ``type``,
``code``, ``error_subcode``, ``fbtrace_id``); a revoked token answers code 190."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from typing import Any

import httpx

from resonanz.channels.testing import FakePlatformServer, FakeRequest, FakeResponse

VERSION = "v21.0"


def graph_error(
    status: int, message: str, code: int, *, subcode: int | None = None, kind: str = "OAuthException"
) -> FakeResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return FakeResponse(status, {"error": error})


class FakeFacebook(FakePlatformServer):
    name = "facebook"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        page_id: str = "104123456789012",
        page_name: str = "Netzwelt Kommunikation",
        token: str = "page-token",  # noqa: S107 - the fake platform's own token
    ) -> None:
        super().__init__(host, port)
        self.page_id = page_id
        self.page_name = page_name
        self.token = token
        self.revoked = False
        self._ids = itertools.count(900_000_000_000_001)
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}  # comment id → comment (with parent_id)
        self.messages: list[dict[str, Any]] = []  # Messenger, both directions
        self.private_replied: set[str] = set()

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/{VERSION}"

    def next_id(self) -> str:
        return str(next(self._ids))

    # --- state helpers (tests and the demo) -----------------------------------------------------------------
    def add_post(self, text: str, *, from_id: str | None = None, from_name: str = "") -> dict[str, Any]:
        with self.lock:
            post_id = f"{self.page_id}_{self.next_id()}"
            post = {
                "id": post_id,
                "message": text,
                "from": {"id": from_id or self.page_id, "name": from_name or self.page_name},
                "created_time": int(time.time()),
            }
            self.posts[post_id] = post
            return post

    def add_comment(
        self, parent_id: str, text: str, *, from_id: str = "5551234567890", from_name: str = "Anna Köhler"
    ) -> dict[str, Any]:
        with self.lock:
            post_id = parent_id if parent_id in self.posts else self.comments[parent_id]["post_id"]
            comment_id = f"{post_id.split('_')[1]}_{self.next_id()}"
            comment = {
                "id": comment_id,
                "message": text,
                "from": {"id": from_id, "name": from_name},
                "parent_id": parent_id,
                "post_id": post_id,
                "created_time": int(time.time()),
                "is_hidden": False,
            }
            self.comments[comment_id] = comment
            return comment

    def comment_webhook(self, comment: dict[str, Any]) -> dict[str, Any]:
        """The page webhook body Facebook sends for a new comment."""
        post = self.posts[comment["post_id"]]
        return {
            "object": "page",
            "entry": [
                {
                    "id": self.page_id,
                    "time": comment["created_time"],
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "from": comment["from"],
                                "post": {
                                    "status_type": "mobile_status_update",
                                    "is_published": True,
                                    "updated_time": "2026-11-23T08:00:00+0000",
                                    "permalink_url": f"https://www.facebook.com/{post['id']}",
                                    "promotion_status": "inactive",
                                    "id": post["id"],
                                },
                                "message": comment["message"],
                                "post_id": post["id"],
                                "comment_id": comment["id"],
                                "created_time": comment["created_time"],
                                "item": "comment",
                                "parent_id": comment["parent_id"],
                                "verb": "add",
                            },
                        }
                    ],
                }
            ],
        }

    def messenger_webhook(self, psid: str, text: str) -> dict[str, Any]:
        """A customer's Messenger message to the page, as the page webhook delivers it."""
        with self.lock:
            mid = f"m_{self.next_id()}"
            now_ms = int(time.time() * 1000)
            self.messages.append({"id": mid, "message": text, "from": {"id": psid}, "_psid": psid})
        return {
            "object": "page",
            "entry": [
                {
                    "id": self.page_id,
                    "time": now_ms,
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": self.page_id},
                            "timestamp": now_ms,
                            "message": {"mid": mid, "text": text},
                        }
                    ],
                }
            ],
        }

    def deliver(self, webhook_url: str, app_secret: str, body: dict[str, Any]) -> int:
        """POST a webhook body to a URL, signed as Facebook signs it."""
        from resonanz.channels.facebook.adapter import sign_body

        raw = json.dumps(body).encode()
        response = httpx.post(
            webhook_url,
            content=raw,
            headers={"Content-Type": "application/json", **sign_body(app_secret, raw)},
            timeout=10,
        )
        return response.status_code

    def page_comments(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.values() if c["from"]["id"] == self.page_id]

    def page_messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["from"]["id"] == self.page_id]

    # --- the API ---------------------------------------------------------------------------------------------
    def route(self, request: FakeRequest) -> FakeResponse:
        token = request.query.get("access_token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if self.revoked:
            return graph_error(
                400,
                "Error validating access token: The session has been invalidated because the user changed "
                "their password or Facebook has changed the session for security reasons.",
                190,
                subcode=460,
            )
        if token != self.token:
            return graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)
        match = re.fullmatch(
            rf"/{re.escape(VERSION)}/([0-9_]+)(?:/(comments|messages|conversations))?", request.path
        )
        if not match:
            return graph_error(400, f"Unknown path components: {request.path}", 2500)
        object_id, edge = match.groups()
        if request.method == "POST" and edge == "comments":
            return self._reply(request, object_id)
        if request.method == "GET" and edge == "comments":
            return self._list_comments(object_id)
        if request.method == "POST" and edge is None:
            return self._update_comment(request, object_id)
        if request.method == "POST" and edge == "messages" and object_id == self.page_id:
            return self._send(request)
        if request.method == "GET" and edge == "conversations" and object_id == self.page_id:
            return self._conversations(request)
        return graph_error(
            400,
            f"Unsupported {request.method.lower()} request. Object with ID '{object_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation.",
            100,
            subcode=33,
            kind="GraphMethodException",
        )

    def _missing(self, object_id: str) -> FakeResponse:
        return graph_error(
            400,
            f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due "
            "to missing permissions, or does not support this operation.",
            100,
            subcode=33,
            kind="GraphMethodException",
        )

    def _reply(self, request: FakeRequest, object_id: str) -> FakeResponse:
        if object_id not in self.posts and object_id not in self.comments:
            return self._missing(object_id)
        message = request.form().get("message", "")
        if not message:
            return graph_error(400, "(#100) The parameter message is required", 100, kind="OAuthException")
        comment = self.add_comment(object_id, message, from_id=self.page_id, from_name=self.page_name)
        return FakeResponse(200, {"id": comment["id"]})

    def _list_comments(self, object_id: str) -> FakeResponse:
        if object_id not in self.posts and object_id not in self.comments:
            return self._missing(object_id)
        items = [c for c in self.comments.values() if c["parent_id"] == object_id]
        items.sort(key=lambda c: c["id"], reverse=True)
        data = [{"id": c["id"], "message": c["message"], "from": c["from"]} for c in items[:50]]
        return FakeResponse(200, {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}})

    def _update_comment(self, request: FakeRequest, object_id: str) -> FakeResponse:
        if object_id not in self.comments:
            return self._missing(object_id)
        hidden = request.form().get("is_hidden", "")
        if hidden not in ("true", "false"):
            return graph_error(400, "(#100) Invalid parameter", 100)
        self.comments[object_id]["is_hidden"] = hidden == "true"
        return FakeResponse(200, {"success": True})

    def _send(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        recipient = body.get("recipient") or {}
        text = str((body.get("message") or {}).get("text") or "")
        if not text:
            return graph_error(400, "(#100) Param message[text] must be non-empty UTF-8 encoded", 100)
        if "comment_id" in recipient:
            comment_id = str(recipient["comment_id"])
            if comment_id not in self.comments:
                return self._missing(comment_id)
            if comment_id in self.private_replied:
                return graph_error(400, "(#10900) Activity already replied to", 10900, kind="OAuthException")
            self.private_replied.add(comment_id)
            psid = f"psid-of-{self.comments[comment_id]['from']['id']}"
        elif "id" in recipient:
            psid = str(recipient["id"])
        else:
            return graph_error(400, "(#100) param recipient must be non-empty.", 100)
        mid = f"m_{self.next_id()}"
        self.messages.append(
            {"id": mid, "message": text, "from": {"id": self.page_id, "name": self.page_name}, "_psid": psid}
        )
        return FakeResponse(200, {"recipient_id": psid, "message_id": mid})

    def _conversations(self, request: FakeRequest) -> FakeResponse:
        psid = request.query.get("user_id", "")
        messages = [
            {"id": m["id"], "message": m["message"], "from": m["from"]}
            for m in reversed(self.messages)
            if m["_psid"] == psid
        ][:25]
        if not messages:
            return FakeResponse(200, {"data": []})
        return FakeResponse(200, {"data": [{"id": f"t_{psid}", "messages": {"data": messages}}]})


# --- `resonanz fakeplatform facebook` (ChannelSpec.fake_platform) -------------------------------------------
def start_fake(host: str, port: int) -> FakeFacebook:
    server = FakeFacebook(host, port)
    server.add_post("Heute Nacht Wartungsarbeiten in Köln, 2–4 Uhr.")
    return server


def connect_config(server: FakeFacebook) -> tuple[dict[str, Any], str]:
    """How a channel account points at the fake Graph API; its webhooks go to the account's URL."""
    return (
        {
            "api_base_url": server.api_base_url,
            "page_id": server.page_id,
            "page_access_token": server.token,
            "verify_token": secrets.token_urlsafe(16),
        },
        "fake-app-secret",
    )


def chatter(
    server: FakeFacebook, webhook_url: str, secret: str, turn: int, text: str, username: str, name: str
) -> None:
    """A customer writes: a comment under the page's post, now and then a Messenger message."""
    if not webhook_url:
        return
    if turn % 3 == 2:
        body = server.messenger_webhook(f"74125896300{turn:05d}", text)
    else:
        post_id = next(iter(server.posts)) if server.posts else server.add_post("Neuigkeiten")["id"]
        comment = server.add_comment(post_id, text, from_id=f"5551{turn:09d}", from_name=name)
        body = server.comment_webhook(comment)
    server.deliver(webhook_url, secret, body)
