"""Mentions by polling (since_id, paging, rate limits) and the filtered stream, against the fake X."""

from __future__ import annotations

import json
import threading
import time

import pytest

from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.channels.x import tasks as x_tasks
from resonanz.channels.x.polling import accounts_due, poll_mentions
from resonanz.channels.x.stream import Backoff, consume_stream, sync_rules
from resonanz.conversations.models import Message
from resonanz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_poll_stores_every_mention_across_pages_and_moves_since_id(fake_x, x_account, run_tasks):
    posted = [fake_x.add_mention(f"Störung Nummer {i}", username=f"kunde{i % 7}") for i in range(230)]
    with run_tasks(execute=True):
        result = poll_mentions(x_account, now=1000.0)
    assert (result.fetched, result.accepted, result.skipped) == (230, 230, 0)
    assert result.since_id == posted[-1]["id"]
    assert len(fake_x.calls("GET", "/mentions")) == 3  # 100 + 100 + 30
    assert Message.objects.count() == 230
    account = ChannelAccount.objects.get(pk=x_account.pk)
    assert account.cursor == {"since_id": posted[-1]["id"], "next_poll_at": 1060.0, "last_poll_at": 1000.0}


def test_next_poll_asks_only_for_newer_posts(fake_x, x_account, run_tasks):
    first = fake_x.add_mention("Router blinkt rot")
    with run_tasks(execute=True):
        poll_mentions(x_account)
    second = fake_x.add_mention("Immer noch kaputt", username="anna_k", in_reply_to=first["id"])
    with run_tasks(execute=True):
        result = poll_mentions(x_account)
    assert fake_x.calls("GET", "/mentions")[-1].query["since_id"] == first["id"]
    assert (result.accepted, result.since_id) == (1, second["id"])
    reply = Message.objects.get(external_id=second["id"])
    assert reply.conversation == Message.objects.get(external_id=first["id"]).conversation


def test_poll_repeated_after_a_crash_stores_each_post_once(fake_x, x_account, run_tasks):
    for i in range(150):
        fake_x.add_mention(f"Meldung {i}")
    # The second page fails: the first page is stored, the cursor stays.
    fake_x.fail_next("GET", "/mentions", 503, {"title": "Service Unavailable"}, skip=1)
    with run_tasks(execute=True), pytest.raises(Exception, match="503"):
        poll_mentions(x_account)
    assert InboundEvent.objects.count() == 100
    assert ChannelAccount.objects.get(pk=x_account.pk).cursor == {}
    with run_tasks(execute=True):
        result = poll_mentions(x_account)
    assert (result.fetched, result.accepted) == (150, 50)
    assert InboundEvent.objects.count() == 150
    assert Message.objects.count() == 150


def test_poll_page_answering_503_stores_nothing_and_keeps_the_cursor(fake_x, x_account):
    fake_x.add_mention("Hallo")
    fake_x.fail_next("GET", "/mentions", 503, {"title": "Service Unavailable", "status": 503})
    with pytest.raises(Exception, match="503"):
        poll_mentions(x_account)
    assert ChannelAccount.objects.get(pk=x_account.pk).cursor == {}
    assert InboundEvent.objects.count() == 0


def test_rate_limit_headers_are_honoured_without_calling_again(fake_x, x_account):
    fake_x.rate_limit = 2
    for i in range(250):
        fake_x.add_mention(f"Meldung {i}")
    result = poll_mentions(x_account, now=time.time())
    # Two pages answered, then the window was used up: no third call, no 429, cursor not moved.
    assert len(fake_x.calls("GET", "/mentions")) == 2
    assert result.accepted == 200
    assert result.rate_limited_for > 800
    cursor = ChannelAccount.objects.get(pk=x_account.pk).cursor
    assert "since_id" not in cursor
    assert cursor["next_poll_at"] >= time.time() + 800


def test_a_429_waits_for_the_reset_the_platform_gave(fake_x, x_account):
    reset = int(time.time()) + 120
    fake_x.fail_next(
        "GET",
        "/mentions",
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    result = poll_mentions(x_account)
    assert 100 <= result.rate_limited_for <= 121
    assert result.accepted == 0


def test_malformed_post_in_a_page_is_skipped_and_the_rest_stored(fake_x, x_account, run_tasks):
    fake_x.add_mention("gut 1")
    bad = fake_x.add_mention("kaputt")
    bad["author_id"] = "not-an-id"
    fake_x.add_mention("gut 2")
    with run_tasks(execute=True):
        result = poll_mentions(x_account)
    assert (result.accepted, result.skipped) == (2, 1)
    assert sorted(Message.objects.values_list("text", flat=True)) == [
        "@netzwelt_hilft gut 1",
        "@netzwelt_hilft gut 2",
    ]


def test_periodic_job_enqueues_a_poll_for_each_due_account(fake_x, x_account, run_tasks):
    fake_x.add_mention("Hallo")
    assert accounts_due() == [x_account.pk]
    with run_tasks(execute=True):
        x_tasks.poll_due()
    assert Message.objects.count() == 1
    assert accounts_due() == []


def test_expired_token_marks_the_account_unhealthy_and_tells_the_admins(fake_x, x_account):
    x_account.config = {**x_account.config, "access_token": "revoked"}
    x_account.save()
    x_tasks.poll_mentions(x_account.pk)
    account = ChannelAccount.objects.get(pk=x_account.pk)
    assert account.status == "unhealthy"
    assert account.status_detail == "X: 401 Unauthorized"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "channel.unhealthy",
        "channel_account",
        x_account.pk,
    )


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(0.02)


@pytest.mark.django_db(transaction=True)
def test_stream_stores_matching_posts_and_reconnects_after_a_drop(fake_x, x_account):
    anna = fake_x.user_named("anna_k")
    fake_x.push_stream({"id": "1861000000000009001", "text": "Störung?", "author_id": anna["id"]}, "störung")
    fake_x.push_stream("this is not json")
    fake_x.close_stream()  # the platform drops the connection
    fake_x.push_stream({"id": "1861000000000009002", "text": "Immer noch", "author_id": anna["id"]})
    fake_x.fail_next("GET", "/2/tweets/search/stream", 503, {"title": "Service Unavailable"})
    stop = threading.Event()
    result = {}

    def run():
        result["stats"] = consume_stream(x_account, stop, backoff=Backoff(scale=0.001), read_timeout=5)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        _wait_for(lambda: InboundEvent.objects.count() == 2)
    finally:
        stop.set()
        fake_x.close_stream()
        thread.join(10)
    stats = result["stats"]
    assert stats.stored == 2
    assert stats.skipped == 1
    assert stats.connections >= 2
    assert sorted(Message.objects.values_list("external_id", flat=True)) == [
        "1861000000000009001",
        "1861000000000009002",
    ]
    assert Message.objects.get(external_id="1861000000000009001").extra["matching_rules"] == ["störung"]


def test_stream_backoff_follows_the_documented_schedule():
    backoff = Backoff()
    assert [backoff.after_network_error() for _ in range(3)] == [0.25, 0.5, 0.75]
    assert [backoff.after_http_error() for _ in range(3)] == [5.0, 10.0, 20.0]
    assert [backoff.after_rate_limit() for _ in range(2)] == [60.0, 120.0]
    backoff.reset()
    assert backoff.after_http_error() == 5.0


def test_rules_are_synced_to_the_configured_ones(fake_x, x_account):
    fake_x.rules = [
        {"id": "1", "value": "alt", "tag": ""},
        {"id": "2", "value": "netzwelt störung", "tag": "s"},
    ]
    x_account.config = {
        **x_account.config,
        "stream_rules": [
            {"value": "netzwelt störung", "tag": "s"},
            {"value": "netzwelt ausfall", "tag": "a"},
        ],
    }
    assert sync_rules(x_account) == {"added": 1, "deleted": 1}
    assert sorted(r["value"] for r in fake_x.rules) == ["netzwelt ausfall", "netzwelt störung"]
    assert json.loads(fake_x.calls("POST", "/stream/rules")[0].body) == {"delete": {"ids": ["1"]}}


@pytest.mark.django_db(transaction=True)
def test_stream_supervisor_runs_one_thread_per_streaming_account(fake_x, x_account):
    from resonanz.channels.x.stream import ensure_stream_threads, stop_stream_threads

    x_account.config = {
        **x_account.config,
        "stream": True,
        "stream_rules": [{"value": "netzwelt", "tag": "n"}],
    }
    x_account.save()
    anna = fake_x.user_named("anna_k")
    fake_x.push_stream({"id": "1861000000000009101", "text": "netzwelt down?", "author_id": anna["id"]}, "n")
    try:
        assert ensure_stream_threads() == [x_account.pk]
        assert ensure_stream_threads() == [x_account.pk]  # still the same one thread
        _wait_for(lambda: Message.objects.filter(external_id="1861000000000009101").exists())
    finally:
        stop_stream_threads()
        fake_x.close_stream()
    assert [r["value"] for r in fake_x.rules] == ["netzwelt"]
    assert len(fake_x.calls("GET", "/2/tweets/search/stream")) == 1
