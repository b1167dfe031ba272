"""Feed tasks: `channels.feed.poll_due` enqueues one `channels.feed.poll` per feed that is due; the poll
task reads it (decision 0811 names them)."""

from __future__ import annotations

from collections.abc import Callable

from resonanz.channels.feed.client import FeedFetchError
from resonanz.channels.feed.poller import poll_feed
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import Poller

DEFAULT_POLL_SECONDS = 600
POLL_TIME_LIMIT_SECONDS = 120  # also the poll lease: a poll that outlives it was killed


def _poll(account: ChannelAccount, renew: Callable[[], None]) -> None:
    poll_feed(account)  # looked up at call time: tests replace it


POLLER = Poller(
    "feed",
    _poll,
    check_every_seconds=30,
    default_interval_seconds=DEFAULT_POLL_SECONDS,
    time_limit_seconds=POLL_TIME_LIMIT_SECONDS,
    expected_errors=(FeedFetchError,),
    legacy_task_names=("feeds.poll_feed",),
)
POLL_TASK = POLLER.task_name
poll_feed_task = POLLER.poll_once
poll_feeds = POLLER.enqueue_due
