"""E-mail tasks: a periodic job enqueues one poll per mailbox that is due; the poll task reads it."""

from __future__ import annotations

import time

from resonanz.channels.email.client import MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import ChannelAccount
from resonanz.core.queue import enqueue, task
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
    now = time.monotonic()
    due = []
    accounts = ChannelAccount.objects.filter(kind="email").exclude(status=ChannelAccount.Status.DISABLED)
    for account_id, config in accounts.values_list("id", "config"):
        every = float((config or {}).get("poll_every_seconds") or DEFAULT_POLL_SECONDS)
        if now - _last_enqueued.get(account_id, -1e12) < every:
            continue
        _last_enqueued[account_id] = now
        enqueue(POLL_TASK, account_id)
        due.append(account_id)
    return due
