"""Feeds served by a local HTTP server → keyword-matched entries stored once → public messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest

from resonanz.channels.feed import tasks as feed_tasks
from resonanz.channels.feed.client import FeedFetchError
from resonanz.channels.feed.poller import poll_feed
from resonanz.channels.feed.tasks import POLL_TASK, poll_feeds
from resonanz.channels.models import InboundEvent
from resonanz.conversations.models import Message
from resonanz.customers.models import Identity
from tests.channels.feed.conftest import BLOG_ETAG, BLOG_MODIFIED, fixture_feed
from tests.channels.feed.server import Resource

pytestmark = pytest.mark.django_db

KEYWORDS = {"keywords": ["Netzwelt"], "negative_keywords": ["gewinnspiel"]}


def test_only_entries_matching_the_keywords_are_ingested(
    make_feed_account, django_capture_on_commit_callbacks
):
    account = make_feed_account("/blog.rss", **KEYWORDS)
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_feed(account)
    assert (result.entries, result.matched, result.accepted, result.skipped) == (4, 2, 2, 0)
    events = dict(InboundEvent.objects.values_list("external_id", "status"))
    link_hash = "link-sha256:" + hashlib.sha256(b"https://blog.example/2026/11/preise").hexdigest()
    assert events == {"blog-2026-11-23-1": "processed", link_hash: "processed"}
    outage = Message.objects.get(external_id="blog-2026-11-23-1")
    assert (
        outage.text
        == "Großstörung bei Netzwelt in Köln\n\nSeit dem Morgen melden Leser in 50667 Köln Ausfälle bei Netzwelt."
    )
    assert outage.url == "https://blog.example/2026/11/stoerung-koeln"
    assert outage.visibility == "public"
    assert outage.created_at == dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)
    assert outage.extra["keywords"] == ["netzwelt"]
    assert outage.extra["feed"]["title"] == "Technikblog Rheinland"
    author = Identity.objects.get(handle="Jana Schreiber")
    assert (outage.author_identity_id, author.kind) == (author.pk, "feed")
    prices = Message.objects.get(external_id=link_hash)
    host = Identity.objects.get(handle="127.0.0.1")  # no author: the feed's host
    assert prices.author_identity_id == host.pk
    assert prices.text == "Netzwelt erhöht die Preise\n\nAb Januar kostet der Tarif 5 Euro mehr."


def test_without_keywords_every_entry_is_ingested(make_feed_account, django_capture_on_commit_callbacks):
    account = make_feed_account("/blog.rss")
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_feed(account)
    assert (result.matched, result.accepted) == (4, 4)
    assert Message.objects.count() == 4


def test_unchanged_feed_is_not_downloaded_again(
    make_feed_account, feed_server, django_capture_on_commit_callbacks
):
    account = make_feed_account("/blog.rss", **KEYWORDS)
    with django_capture_on_commit_callbacks(execute=True):
        poll_feed(account)
        again = poll_feed(account)
    assert again.not_modified is True
    assert account.cursor == {"etag": BLOG_ETAG, "last_modified": BLOG_MODIFIED}
    second = feed_server.requests[1]["headers"]
    assert (second["If-None-Match"], second["If-Modified-Since"]) == (BLOG_ETAG, BLOG_MODIFIED)
    assert InboundEvent.objects.count() == 2


def test_last_modified_alone_gives_a_304(make_feed_account, feed_server, django_capture_on_commit_callbacks):
    account = make_feed_account("/forum.atom", keywords=["netzwelt"])
    with django_capture_on_commit_callbacks(execute=True):
        poll_feed(account)
        again = poll_feed(account)
    assert again.not_modified is True
    assert feed_server.requests[1]["headers"]["If-Modified-Since"] == "Mon, 23 Nov 2026 10:00:00 GMT"


def test_changed_feed_stores_only_the_new_entries(
    make_feed_account, feed_server, django_capture_on_commit_callbacks
):
    account = make_feed_account("/blog.rss", **KEYWORDS)
    with django_capture_on_commit_callbacks(execute=True):
        poll_feed(account)
    body = fixture_feed("blog_rss.xml").replace(
        b"<item>",
        b"<item><title>Netzwelt: St\xc3\xb6rung behoben</title><guid>blog-new</guid>"
        b"<link>https://blog.example/behoben</link><description>Alles wieder gut.</description></item><item>",
        1,
    )
    feed_server.resources["/blog.rss"] = Resource(body, etag='"blog-v2"', last_modified=BLOG_MODIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_feed(account)
    assert (result.matched, result.accepted, result.duplicates) == (3, 1, 2)
    assert account.cursor["etag"] == '"blog-v2"'
    assert Message.objects.count() == 3


def test_entry_without_id_and_link_is_skipped_and_the_rest_stored(
    make_feed_account, django_capture_on_commit_callbacks
):
    account = make_feed_account("/forum.atom", keywords=["netzwelt"])
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_feed(account)
    assert (result.entries, result.skipped, result.accepted) == (3, 1, 2)
    assert sorted(Identity.objects.values_list("handle", flat=True)) == ["Kerstin B.", "routerfan77"]
    message = Message.objects.get(external_id="tag:forum.example,2026:t-4711")
    assert (
        message.text
        == "Netzwelt-Router blinkt rot\n\nMein Router von Netzwelt blinkt seit heute rot. Jemand auch?"
    )


@pytest.mark.parametrize(
    ("resource", "detail"),
    [
        (Resource(b"oops", status=500), "HTTP 500 from"),
        (Resource(b"<html><body>Wartung</body></html>", content_type="text/html"), "not a feed:"),
        (Resource(b"", hang=True), "cannot fetch"),
    ],
)
def test_unreadable_feed_marks_the_account_unhealthy_and_stores_nothing(
    make_feed_account, feed_server, resource, detail
):
    feed_server.resources["/broken.rss"] = resource
    account = make_feed_account("/broken.rss", timeout_seconds=0.5)
    with pytest.raises(FeedFetchError):
        poll_feed(account)
    account.refresh_from_db()
    assert account.status == "unhealthy"
    assert detail in account.status_detail
    assert account.cursor == {}
    assert InboundEvent.objects.count() == 0


def test_periodic_job_enqueues_one_poll_per_due_feed(make_feed_account, monkeypatch):
    account = make_feed_account("/blog.rss")
    enqueued = []
    monkeypatch.setattr(
        "resonanz.channels.polling.enqueue", lambda name, *args: enqueued.append((name, args))
    )
    monkeypatch.setattr(feed_tasks.POLLER, "last_enqueued", {})
    assert poll_feeds() == [account.pk]
    assert poll_feeds() == []
    [(name, (account_id, lease_token))] = enqueued
    assert (name, account_id, len(lease_token)) == (POLL_TASK, account.pk, 32)


def test_poll_task_stores_the_feed(make_feed_account, django_capture_on_commit_callbacks):
    from resonanz.channels.feed.tasks import poll_feed_task

    account = make_feed_account("/blog.rss", **KEYWORDS)
    with django_capture_on_commit_callbacks(execute=True):
        poll_feed_task(account.pk)
    assert Message.objects.count() == 2


# --- the outbound guard and bounded fetches (resonanz/core/http.py) ------------------------------------------
def test_a_feed_on_an_internal_address_is_refused_and_never_fetched(make_feed_account, feed_server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    account = make_feed_account("/blog.rss")
    with pytest.raises(FeedFetchError):
        poll_feed(account)
    account.refresh_from_db()
    assert account.status == "unhealthy"
    assert "127.0.0.1 resolves to 127.0.0.1, a non-public address" in account.status_detail
    assert feed_server.requests == []
    assert InboundEvent.objects.count() == 0


def test_a_feed_redirecting_to_an_internal_address_is_refused_at_that_hop(
    make_feed_account, feed_server, settings
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["localhost"]  # the feed's own host is allowed, 127.0.0.1 is not
    feed_server.resources["/moved.rss"] = Resource(b"", status=302, location=feed_server.url("/blog.rss"))
    account = make_feed_account("/moved.rss")
    account.config["url"] = feed_server.url("/moved.rss", host="localhost")
    account.save(update_fields=["config"])
    with pytest.raises(FeedFetchError, match="non-public address"):
        poll_feed(account)
    assert [r["path"] for r in feed_server.requests] == ["/moved.rss"]


def test_a_moved_feed_is_followed(make_feed_account, feed_server, django_capture_on_commit_callbacks):
    feed_server.resources["/moved.rss"] = Resource(b"", status=301, location="/blog.rss")
    account = make_feed_account("/moved.rss")
    with django_capture_on_commit_callbacks(execute=True):
        poll_feed(account)
    assert [r["path"] for r in feed_server.requests] == ["/moved.rss", "/blog.rss"]
    assert InboundEvent.objects.count() > 0


@pytest.mark.timeout(30)
def test_a_feed_that_drips_bytes_is_cut_at_its_total_time_limit(make_feed_account, feed_server):
    feed_server.resources["/slow.rss"] = Resource(b"", drip=True)
    account = make_feed_account("/slow.rss", timeout_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(FeedFetchError, match="too long"):
        poll_feed(account)
    assert time.monotonic() - started < 5
    account.refresh_from_db()
    assert account.status == "unhealthy"
