"""A local fake of the X API v2 for tests and the demo (`resonanz fakeplatform x --port 8101`).

Speaks the documented shapes: the mentions and user timelines (newest first, ``since_id``, ``max_results``,
``pagination_token``/``meta.next_token``), `POST /2/tweets` (280 weighted characters, duplicate content
refused with 403), users by username, v2 DMs, stream rules and the filtered stream (newline-delimited JSON
with ``\\r\\n`` keep-alives). Every answer carries ``x-rate-limit-limit/remaining/reset``; a used-up window
answers 429. Errors are v2 problem documents (``title``, ``detail``, ``type``, ``status``)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import queue
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx

from resonanz.channels.testing import FakePlatformServer, FakeRequest, FakeResponse
from resonanz.channels.x.payloads import MAX_WEIGHT, weighted_length

_CLOSE = object()


def problem(status: int, title: str, detail: str) -> FakeResponse:
    return FakeResponse(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})


class FakeX(FakePlatformServer):
    name = "x"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        own_user_id: str = "1500000000000000001",
        own_username: str = "netzwelt_hilft",
        token: str = "test-token",  # noqa: S107 - the fake platform's own token
        rate_limit: int = 1000,
        window_seconds: int = 900,
        keepalive_seconds: float = 20.0,
    ) -> None:
        super().__init__(host, port)
        self.own_user_id = own_user_id
        self.token = token
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        self.keepalive_seconds = keepalive_seconds
        self._ids = itertools.count(1_860_000_000_000_000_000)
        self.users: dict[str, dict[str, str]] = {}
        self.tweets: list[dict[str, Any]] = []  # oldest first
        self.dm_events: list[dict[str, Any]] = []
        self.rules: list[dict[str, str]] = []
        self.stream_queue: queue.Queue[Any] = queue.Queue()
        self.windows: dict[str, tuple[int, int]] = {}  # endpoint → (used, reset epoch)
        self.add_user(own_user_id, own_username, "Netzwelt hilft")

    # --- state helpers (tests and the demo) -----------------------------------------------------------------
    def next_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, user_id: str, username: str, name: str = "") -> dict[str, str]:
        with self.lock:
            user = {"id": user_id, "username": username, "name": name or username}
            self.users[user_id] = user
            return user

    def user_named(self, username: str) -> dict[str, str]:
        with self.lock:
            for user in self.users.values():
                if user["username"].lower() == username.lower():
                    return user
            return self.add_user(self.next_id(), username, username.replace("_", " ").title())

    def add_mention(self, text: str, username: str = "anna_k", *, in_reply_to: str = "") -> dict[str, Any]:
        """A customer's post mentioning our account (it shows up in the mentions timeline)."""
        with self.lock:
            author = self.user_named(username)
            own = self.users[self.own_user_id]["username"]
            body = text if f"@{own}".lower() in text.lower() else f"@{own} {text}"
            return self._store_tweet(author["id"], body, in_reply_to=in_reply_to, mentions=[self.own_user_id])

    def push_stream(self, tweet: dict[str, Any] | str, rule_tag: str = "") -> None:
        """Queue a line for the filtered stream: a post dict (wrapped with its author) or a raw line."""
        if isinstance(tweet, str):
            self.stream_queue.put(tweet)
            return
        author = self.users.get(str(tweet.get("author_id")))
        line = {
            "data": tweet,
            "includes": {"users": [author] if author else []},
            "matching_rules": [{"id": "1", "tag": rule_tag}],
        }
        self.stream_queue.put(json.dumps(line))

    def close_stream(self) -> None:
        self.stream_queue.put(_CLOSE)

    def own_posts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [t for t in self.tweets if t["author_id"] == self.own_user_id]

    def _store_tweet(
        self, author_id: str, text: str, *, in_reply_to: str = "", mentions: list[str] | None = None
    ) -> dict[str, Any]:
        tweet_id = self.next_id()
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": tweet_id,
            "edit_history_tweet_ids": [tweet_id],
        }
        if in_reply_to:
            parent = next((t for t in self.tweets if t["id"] == in_reply_to), None)
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
            if parent is not None:
                tweet["conversation_id"] = parent["conversation_id"]
                tweet["in_reply_to_user_id"] = parent["author_id"]
        tweet["_mentions"] = list(mentions or [])
        self.tweets.append(tweet)
        return tweet

    def deliver_dm(self, webhook_url: str, consumer_secret: str, text: str, username: str = "anna_k") -> int:
        """Post an Account Activity DM event to a webhook URL, signed as X signs it."""
        from resonanz.channels.x.adapter import sign_body

        with self.lock:
            sender = self.user_named(username)
            event_id = self.next_id()
            body = {
                "for_user_id": self.own_user_id,
                "direct_message_events": [
                    {
                        "type": "message_create",
                        "id": event_id,
                        "created_timestamp": str(int(time.time() * 1000)),
                        "message_create": {
                            "target": {"recipient_id": self.own_user_id},
                            "sender_id": sender["id"],
                            "message_data": {"text": text, "entities": {}},
                        },
                    }
                ],
                "users": {
                    sender["id"]: {
                        "id": sender["id"],
                        "screen_name": sender["username"],
                        "name": sender["name"],
                    },
                },
            }
        raw = json.dumps(body).encode()
        response = httpx.post(
            webhook_url,
            content=raw,
            headers={"Content-Type": "application/json", **sign_body(consumer_secret, raw)},
            timeout=10,
        )
        return response.status_code

    # --- the API ---------------------------------------------------------------------------------------------
    @staticmethod
    def _public(tweet: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in tweet.items() if not k.startswith("_")}

    def _rate(self, endpoint: str) -> tuple[dict[str, str], bool]:
        now = int(time.time())
        used, reset = self.windows.get(endpoint, (0, now + self.window_seconds))
        if reset <= now:
            used, reset = 0, now + self.window_seconds
        allowed = used < self.rate_limit
        if allowed:
            used += 1
        self.windows[endpoint] = (used, reset)
        headers = {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(max(0, self.rate_limit - used)),
            "x-rate-limit-reset": str(reset),
        }
        return headers, allowed

    def route(self, request: FakeRequest) -> FakeResponse:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return problem(401, "Unauthorized", "Unauthorized")
        path = request.path
        table: list[tuple[str, str, Any]] = [
            ("GET", r"/2/users/(\d+)/mentions", self._mentions),
            ("GET", r"/2/users/(\d+)/tweets", self._user_tweets),
            ("POST", r"/2/tweets", self._create_tweet),
            ("GET", r"/2/users/by/username/(\w+)", self._user_by_username),
            ("POST", r"/2/dm_conversations/with/(\d+)/messages", self._send_dm),
            ("GET", r"/2/dm_conversations/with/(\d+)/dm_events", self._list_dms),
            ("GET", r"/2/tweets/search/stream/rules", self._get_rules),
            ("POST", r"/2/tweets/search/stream/rules", self._change_rules),
            ("GET", r"/2/tweets/search/stream", self._stream),
        ]
        for method, pattern, handler in table:
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                headers, allowed = self._rate(f"{method} {pattern}")
                if not allowed:
                    response = problem(429, "Too Many Requests", "Too Many Requests")
                else:
                    response = handler(request, *match.groups())
                response.headers.update(headers)
                return response
        return problem(404, "Not Found Error", f"no route {request.method} {path}")

    def _timeline(self, request: FakeRequest, tweets: list[dict[str, Any]]) -> FakeResponse:
        since_id = request.query.get("since_id")
        if since_id:
            tweets = [t for t in tweets if int(t["id"]) > int(since_id)]
        tweets = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)[:800]
        size = max(5, min(100, int(request.query.get("max_results", "10"))))
        start = int(request.query.get("pagination_token") or 0)
        page = tweets[start : start + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if start + size < len(tweets):
            meta["next_token"] = str(start + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._public(t) for t in page]
            authors = {t["author_id"] for t in page}
            if "author_id" in request.query.get("expansions", ""):
                body["includes"] = {"users": [self.users[a] for a in sorted(authors) if a in self.users]}
        return FakeResponse(200, body)

    def _mentions(self, request: FakeRequest, user_id: str) -> FakeResponse:
        return self._timeline(request, [t for t in self.tweets if user_id in t["_mentions"]])

    def _user_tweets(self, request: FakeRequest, user_id: str) -> FakeResponse:
        return self._timeline(request, [t for t in self.tweets if t["author_id"] == user_id])

    def _create_tweet(self, request: FakeRequest) -> FakeResponse:
        try:
            body = request.json()
            text = str(body["text"])
        except (ValueError, KeyError, TypeError):
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        if weighted_length(text) > MAX_WEIGHT:
            return problem(400, "Invalid Request", "The text of your Tweet is too long.")
        if any(t["author_id"] == self.own_user_id and t["text"] == text for t in self.tweets):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        tweet = self._store_tweet(self.own_user_id, text, in_reply_to=reply_to)
        return FakeResponse(
            201, {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}}
        )

    def _user_by_username(self, request: FakeRequest, username: str) -> FakeResponse:
        for user in self.users.values():
            if user["username"].lower() == username.lower():
                return FakeResponse(200, {"data": user})
        return FakeResponse(
            200,
            {
                "errors": [
                    {
                        "value": username,
                        "detail": f"Could not find user with username: [{username}].",
                        "title": "Not Found Error",
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                ]
            },
        )

    def _send_dm(self, request: FakeRequest, participant_id: str) -> FakeResponse:
        if participant_id not in self.users:
            return problem(400, "Invalid Request", "The participant is not a user.")
        try:
            text = str(request.json()["text"])
        except (ValueError, KeyError, TypeError):
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        event_id = self.next_id()
        conversation_id = f"{participant_id}-{self.own_user_id}"
        self.dm_events.append(
            {
                "id": event_id,
                "text": text,
                "sender_id": self.own_user_id,
                "dm_conversation_id": conversation_id,
                "event_type": "MessageCreate",
                "_participant": participant_id,
            }
        )
        return FakeResponse(201, {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event_id}})

    def _list_dms(self, request: FakeRequest, participant_id: str) -> FakeResponse:
        events = [self._public(e) for e in reversed(self.dm_events) if e["_participant"] == participant_id]
        return FakeResponse(200, {"data": events, "meta": {"result_count": len(events)}})

    def _get_rules(self, request: FakeRequest) -> FakeResponse:
        meta = {"sent": dt.datetime.now(dt.UTC).isoformat(), "result_count": len(self.rules)}
        return FakeResponse(200, {"data": list(self.rules), "meta": meta} if self.rules else {"meta": meta})

    def _change_rules(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        created = deleted = 0
        added = []
        for rule in body.get("add") or []:
            new = {"id": self.next_id(), "value": str(rule["value"]), "tag": str(rule.get("tag", ""))}
            self.rules.append(new)
            added.append(new)
            created += 1
        ids = set((body.get("delete") or {}).get("ids") or [])
        if ids:
            deleted = sum(1 for r in self.rules if r["id"] in ids)
            self.rules = [r for r in self.rules if r["id"] not in ids]
        summary = {"created": created, "not_created": 0, "valid": created, "invalid": 0}
        if ids:
            summary = {"deleted": deleted, "not_deleted": len(ids) - deleted}
        result: dict[str, Any] = {"meta": {"sent": dt.datetime.now(dt.UTC).isoformat(), "summary": summary}}
        if added:
            result["data"] = added
        return FakeResponse(201 if added else 200, result)

    def _stream(self, request: FakeRequest) -> FakeResponse:
        def lines() -> Iterator[str]:
            while not self._release.is_set():
                try:
                    item = self.stream_queue.get(timeout=self.keepalive_seconds)
                except queue.Empty:
                    yield "\r\n"  # keep-alive
                    continue
                if item is _CLOSE:
                    return
                yield f"{item}\r\n"

        return FakeResponse(200, stream=lines())


# --- `resonanz fakeplatform x` (ChannelSpec.fake_platform) --------------------------------------------------
def start_fake(host: str, port: int) -> FakeX:
    return FakeX(host, port)


def connect_config(server: FakeX) -> tuple[dict[str, Any], str]:
    """How a channel account points at the fake X: polled every 10 s."""
    return (
        {
            "api_base_url": server.base_url,
            "user_id": server.own_user_id,
            "username": "netzwelt_hilft",
            "access_token": server.token,
            "poll_every_seconds": 10,
        },
        "fake-consumer-secret",
    )


def chatter(
    server: FakeX, webhook_url: str, secret: str, turn: int, text: str, username: str, name: str
) -> None:
    """A customer writes: a mention, now and then a DM by the Account Activity webhook."""
    if webhook_url and turn % 3 == 2:
        server.user_named(username)
        server.deliver_dm(webhook_url, secret, text, username)
    else:
        server.add_mention(text, username)
