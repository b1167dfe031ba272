"""E-mail tasks: `channels.email.poll_due` enqueues one `channels.email.poll` per mailbox that is due; the
poll task reads it (decision 0811 names them)."""

from __future__ import annotations

from collections.abc import Callable

from resonanz.channels.email.client import MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import Poller

DEFAULT_POLL_SECONDS = 60
POLL_TIME_LIMIT_SECONDS = 900  # also the poll lease, renewed after every batch


def _poll(account: ChannelAccount, renew: Callable[[], None]) -> None:
    poll_mailbox(account, renew=renew)


POLLER = Poller(
    "email",
    _poll,
    check_every_seconds=15,
    default_interval_seconds=DEFAULT_POLL_SECONDS,
    time_limit_seconds=POLL_TIME_LIMIT_SECONDS,
    expected_errors=(MailboxError,),
    legacy_task_names=("email.poll_mailbox",),
)
POLL_TASK = POLLER.task_name
# `resonanz imapidle` polls a mailbox when IDLE says new mail arrived.
poll_mailbox_once = POLLER.poll_once
poll_mailbox_task = POLLER.poll_once
poll_mailboxes = POLLER.enqueue_due
