"""E-mail tasks: a periodic job enqueues one poll per mailbox that is due; the poll task reads it."""

from __future__ import annotations

from resonanz.channels.email.client import MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import enqueue_due_polls
from resonanz.core.queue import task
from resonanz.core.scheduler import periodic

POLL_TASK = "email.poll_mailbox"
DEFAULT_POLL_SECONDS = 60
# When each mailbox was last handed to the queue (the scheduler runs in exactly one process).
_last_enqueued: dict[int, float] = {}


@task(POLL_TASK, time_limit_seconds=900)
def poll_mailbox_task(account_id: int) -> None:
    account = ChannelAccount.objects.filter(pk=account_id, kind="email").first()
    if account is None or account.status == ChannelAccount.Status.DISABLED:
        return
    try:
        poll_mailbox(account)
    except MailboxError:
        return  # logged and shown on the account; the next poll tries again


@periodic("email.poll_mailboxes", every_seconds=15)
def poll_mailboxes() -> list[int]:
    """Enqueue a poll for every e-mail account whose interval has passed; returns their ids."""
    return enqueue_due_polls("email", POLL_TASK, DEFAULT_POLL_SECONDS, _last_enqueued)
