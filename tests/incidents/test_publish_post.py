"""The adapters' `publish_post`: an announcement is a post of the account's own on X and on the Facebook page."""

from __future__ import annotations

from typing import Any

import pytest

from resonanz.channels.base import PUBLISH_POST, OutboundRequest, PermanentSendError
from resonanz.channels.facebook import adapter as facebook
from resonanz.channels.registry import all_adapters, get_adapter
from resonanz.channels.x import adapter as x


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def create_tweet(self, text: str, *, in_reply_to_tweet_id: str = "") -> dict[str, Any]:
        self.calls.append(("tweet", text, in_reply_to_tweet_id))
        return {"data": {"id": f"t{len(self.calls)}"}}

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append((method, path, kwargs.get("json")))
        return {"id": "page_post_1"}


class Account:
    kind = "x"
    config = {"page_id": "4711", "user_id": "42"}


def request(text: str, attempt: int = 1) -> OutboundRequest:
    return OutboundRequest(
        delivery_id=1,
        idempotency_key="announcement-1-account-1",
        action=PUBLISH_POST,
        text=text,
        is_public=True,
        in_reply_to_external_id="ignored",
        attempt=attempt,
    )


def test_x_publishes_a_post_that_replies_to_nobody(monkeypatch) -> None:
    client = Recorder()
    monkeypatch.setattr(x, "client_for", lambda account, **kw: client)
    result = get_adapter("x").publish_post(Account(), request("Wartung in Leipzig: Samstag 2–5 Uhr."))  # type: ignore[arg-type]
    assert result.external_ids == ["t1"]
    assert client.calls == [("tweet", "Wartung in Leipzig: Samstag 2–5 Uhr.", "")]


def test_facebook_publishes_on_the_page_feed(monkeypatch) -> None:
    client = Recorder()
    monkeypatch.setattr(facebook, "client_for", lambda account: client)
    result = get_adapter("facebook").publish_post(Account(), request("Neuer Tarif ab Montag."))  # type: ignore[arg-type]
    assert result.external_ids == ["page_post_1"]
    assert client.calls == [("POST", "4711/feed", {"message": "Neuer Tarif ab Montag."})]


def test_an_adapter_without_the_capability_refuses() -> None:
    publishing = {a.kind for a in all_adapters() if a.announcement_action(Account()) == PUBLISH_POST}  # type: ignore[arg-type]
    assert {"x", "facebook", "fake"} <= publishing
    assert "email" not in publishing
    with pytest.raises(PermanentSendError):
        get_adapter("email").publish_post(Account(), request("x"))  # type: ignore[arg-type]
