"""Feed tasks: a periodic job enqueues one poll per feed that is due; the poll task reads it."""

from __future__ import annotations

from resonanz.channels.feeds.client import FeedFetchError
from resonanz.channels.feeds.poller import poll_feed
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import enqueue_due_polls, poll_lease
from resonanz.core.queue import task
from resonanz.core.scheduler import periodic

POLL_TASK = "feeds.poll_feed"
DEFAULT_POLL_SECONDS = 600
POLL_TIME_LIMIT_SECONDS = 120  # also the poll lease: a poll that outlives it was killed
_last_enqueued: dict[int, float] = {}


@task(POLL_TASK, time_limit_seconds=POLL_TIME_LIMIT_SECONDS)
def poll_feed_task(account_id: int, lease_token: str = "") -> None:
    """Poll one feed, holding its poll lease (the one the scheduler took, or a new one): never two polls of
    the same feed at a time (decision 0525)."""
    with poll_lease(account_id, POLL_TIME_LIMIT_SECONDS, lease_token) as held:
        if held is None:
            return  # another poll of this feed runs
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
    return enqueue_due_polls("feed", POLL_TASK, DEFAULT_POLL_SECONDS, _last_enqueued, POLL_TIME_LIMIT_SECONDS)
