"""Feed tasks: a periodic job enqueues one poll per feed that is due; the poll task reads it."""

from __future__ import annotations

from resonanz.channels.feeds.client import FeedFetchError
from resonanz.channels.feeds.poller import poll_feed
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import enqueue_due_polls
from resonanz.core.queue import task
from resonanz.core.scheduler import periodic

POLL_TASK = "feeds.poll_feed"
DEFAULT_POLL_SECONDS = 600
_last_enqueued: dict[int, float] = {}


@task(POLL_TASK, time_limit_seconds=120)
def poll_feed_task(account_id: int) -> None:
    account = ChannelAccount.objects.filter(pk=account_id, kind="feed").first()
    if account is None or account.status == ChannelAccount.Status.DISABLED:
        return
    try:
        poll_feed(account)
    except FeedFetchError:
        return  # logged and shown on the account; the next poll tries again


@periodic("feeds.poll_feeds", every_seconds=30)
def poll_feeds() -> list[int]:
    """Enqueue a poll for every feed account whose interval has passed; returns their ids."""
    return enqueue_due_polls("feed", POLL_TASK, DEFAULT_POLL_SECONDS, _last_enqueued)
