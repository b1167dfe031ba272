"""E-mail tasks: a periodic job enqueues one poll per mailbox that is due; the poll task reads it."""

from __future__ import annotations

import logging

from resonanz.channels.email.client import MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import PollLeaseLost, enqueue_due_polls, poll_lease, renew_poll_lease
from resonanz.core.queue import task
from resonanz.core.scheduler import periodic

logger = logging.getLogger("resonanz.channels.email")

POLL_TASK = "email.poll_mailbox"
DEFAULT_POLL_SECONDS = 60
POLL_TIME_LIMIT_SECONDS = 900  # also the poll lease, renewed after every batch
# When each mailbox was last handed to the queue (the scheduler runs in exactly one process).
_last_enqueued: dict[int, float] = {}


@task(POLL_TASK, time_limit_seconds=POLL_TIME_LIMIT_SECONDS)
def poll_mailbox_task(account_id: int, lease_token: str = "") -> None:
    poll_mailbox_once(account_id, lease_token)


def poll_mailbox_once(account_id: int, lease_token: str = "") -> bool:
    """Poll one mailbox, holding its poll lease (the scheduler's, or a new one), renewed after every
    batch: never two polls of the same mailbox at a time (decision 0525). False if another poll runs (or
    the account is gone or disabled)."""
    with poll_lease(account_id, POLL_TIME_LIMIT_SECONDS, lease_token) as held:
        if held is None:
            return False
        account = ChannelAccount.objects.filter(pk=account_id, kind="email").first()
        if account is None or account.status == ChannelAccount.Status.DISABLED:
            return False
        try:
            poll_mailbox(account, renew=lambda: renew_poll_lease(account_id, POLL_TIME_LIMIT_SECONDS, held))
        except MailboxError:
            pass  # logged and shown on the account; the next poll tries again
        except PollLeaseLost:
            logger.warning("email.poll.lease_lost", extra={"channel_account": account_id})
        return True


@periodic("email.poll_mailboxes", every_seconds=15)
def poll_mailboxes() -> list[int]:
    """Enqueue a poll for every e-mail account whose interval has passed; returns their ids."""
    return enqueue_due_polls(
        "email", POLL_TASK, DEFAULT_POLL_SECONDS, _last_enqueued, POLL_TIME_LIMIT_SECONDS
    )
