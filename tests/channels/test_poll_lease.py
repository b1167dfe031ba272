"""One poll per channel account at a time: a feed or mailbox is not enqueued again while its last poll
still runs or waits in the queue, and a second poll task steps aside (decision 0525)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels.feed import tasks as feed_tasks
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import poll_lease
from resonanz.testing.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(workspace):
    return ChannelAccountFactory(workspace=workspace, kind="feed", config={"url": "http://127.0.0.1:9/feed"})


@pytest.fixture
def enqueued(monkeypatch):
    tasks: list[tuple[int, str]] = []
    monkeypatch.setattr("resonanz.channels.polling.enqueue", lambda name, *args: tasks.append(args))
    monkeypatch.setattr(feed_tasks.POLLER, "last_enqueued", {})
    return tasks


@pytest.fixture
def polls(monkeypatch):
    """The feed polls that really ran (the poller itself is replaced: no network)."""
    ran: list[int] = []
    monkeypatch.setattr(feed_tasks, "poll_feed", lambda account: ran.append(account.pk))
    return ran


def next_interval() -> None:
    feed_tasks.POLLER.last_enqueued.clear()  # the poll interval has passed


def test_a_feed_is_not_enqueued_again_while_its_last_poll_has_not_finished(feed, enqueued, polls):
    assert feed_tasks.poll_feeds() == [feed.pk]
    next_interval()
    assert feed_tasks.poll_feeds() == []  # still queued: the first poll holds the lease
    [(account_id, token)] = enqueued
    feed_tasks.poll_feed_task(account_id, token)
    assert polls == [feed.pk]
    next_interval()
    assert feed_tasks.poll_feeds() == [feed.pk]  # finished: the lease is free


def test_a_second_poll_task_steps_aside_while_one_runs(feed, polls):
    with poll_lease(feed.pk, 60) as running:
        assert running is not None
        feed_tasks.poll_feed_task(feed.pk)  # e.g. IMAP IDLE or a duplicate from the broker
        feed_tasks.poll_feed_task(feed.pk, "not-the-holders-token")
        assert polls == []
    feed_tasks.poll_feed_task(feed.pk)
    assert polls == [feed.pk]


def test_the_lease_of_a_poll_that_died_expires(feed, enqueued, polls):
    assert feed_tasks.poll_feeds() == [feed.pk]  # the worker running it is killed; it never ends
    ChannelAccount.objects.filter(pk=feed.pk).update(
        poll_lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    next_interval()
    assert feed_tasks.poll_feeds() == [feed.pk]
    stale_token, fresh_token = (token for _, token in enqueued)
    feed_tasks.poll_feed_task(feed.pk, stale_token)  # the dead poll's task, late from the broker
    assert polls == []
    feed_tasks.poll_feed_task(feed.pk, fresh_token)
    assert polls == [feed.pk]


def test_a_finished_poll_is_remembered_and_shown_in_the_health_column(feed, polls, workspace):
    from django.test import Client

    from resonanz.testing.factories import AgentFactory

    assert feed.last_polled_at is None
    with poll_lease(feed.pk, 60) as token:
        assert token is not None
        feed_tasks.poll_feed(feed)
    feed.refresh_from_db()
    assert feed.last_polled_at is not None
    assert timezone.now() - feed.last_polled_at < dt.timedelta(minutes=1)
    admin = Client()
    admin.force_login(AgentFactory(workspace=workspace, role="admin").user)
    page = admin.get("/settings/channels/").content.decode()
    assert "Letzte Abfrage" in page
    assert timezone.localtime(feed.last_polled_at).strftime("%d.%m. %H:%M") in page
