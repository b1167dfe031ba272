"""Shared by the polling channels (e-mail, feed): which accounts of a kind are due for a poll, and the poll
lease that keeps it to one poll per account at a time (decision 0525)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db.models import Q
from django.utils import timezone

from resonanz.channels.models import ChannelAccount
from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic

logger = logging.getLogger("resonanz.channels.polling")


def take_poll_lease(account_id: int, seconds: float, token: str = "") -> str | None:
    """Take the account's poll lease for ``seconds``, or renew it with the holder's ``token``; returns the
    token, or None while someone else holds an unexpired lease. One conditional UPDATE: the database
    decides, so it holds across processes and machines (embedded threads, Celery workers, `imapidle`)."""
    now = timezone.now()
    free = Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lte=now)
    if token:
        free |= Q(poll_lease_token=token)
    new_token = token or secrets.token_hex(16)
    taken = (
        ChannelAccount.objects.filter(pk=account_id)
        .filter(free)
        .update(poll_lease_token=new_token, poll_lease_until=now + dt.timedelta(seconds=seconds))
    )
    return new_token if taken else None


class PollLeaseLost(Exception):
    """The poll outlived its lease and another poll took it over: this one stops (what it stored is
    committed with its cursor, so nothing is lost)."""


def renew_poll_lease(account_id: int, seconds: float, token: str) -> None:
    """Renew the lease this poll holds; raises PollLeaseLost if another poll holds it now."""
    if take_poll_lease(account_id, seconds, token) is None:
        raise PollLeaseLost(f"channel account {account_id}: another poll holds the lease")


def release_poll_lease(account_id: int, token: str) -> None:
    """The poll is over: the lease is free, and the account remembers when it was last polled."""
    ChannelAccount.objects.filter(pk=account_id, poll_lease_token=token).update(
        poll_lease_token="", poll_lease_until=None, last_polled_at=timezone.now()
    )


@contextmanager
def poll_lease(account_id: int, seconds: float, token: str = "") -> Iterator[str | None]:
    """Hold the poll lease for the block (the token), or yield None if another poll holds it."""
    held = take_poll_lease(account_id, seconds, token)
    try:
        yield held
    finally:
        if held:
            release_poll_lease(account_id, held)


def enqueue_due_polls(
    kind: str, task_name: str, default_seconds: float, last_enqueued: dict[int, float], lease_seconds: float
) -> list[int]:
    """Enqueue `task_name` for every enabled account of `kind` whose interval (config["poll_every_seconds"],
    else `default_seconds`) has passed since it was last enqueued, and that no poll holds (queued or
    running); returns their ids. The lease is taken here and handed to the task with its token, so a poll
    waiting in the queue counts as running. The scheduler runs in exactly one process, so `last_enqueued`
    (the caller's, per kind) can live in memory."""
    now = time.monotonic()
    due = []
    accounts = ChannelAccount.objects.filter(kind=kind).exclude(status=ChannelAccount.Status.DISABLED)
    for account_id, config in accounts.values_list("id", "config"):
        every = float((config or {}).get("poll_every_seconds") or default_seconds)
        if now - last_enqueued.get(account_id, -1e12) < every:
            continue
        token = take_poll_lease(account_id, lease_seconds)
        if token is None:
            continue  # the last poll still runs (or waits in the queue): no second one
        last_enqueued[account_id] = now
        enqueue(task_name, account_id, token)
        due.append(account_id)
    return due


class Poller:
    """A polling channel's background work, registered with the queue seam under the names of decision 0811:
    the task ``channels.<kind>.poll`` polls one account holding its poll lease, and the periodic job
    ``channels.<kind>.poll_due`` enqueues that task for every account whose interval has passed.

    ``poll(account, renew)`` fetches and stores; it calls ``renew()`` after every stored batch when a poll
    can outlive ``time_limit_seconds`` (which is also the lease). ``expected_errors`` are the channel's own
    fetch errors: logged and shown on the account by ``poll`` itself, so the task ends quietly.
    ``legacy_task_names`` keep tasks already queued under an older name running after an upgrade."""

    def __init__(
        self,
        kind: str,
        poll: Callable[[ChannelAccount, Callable[[], None]], object],
        *,
        check_every_seconds: float,
        default_interval_seconds: float,
        time_limit_seconds: int,
        expected_errors: tuple[type[Exception], ...] = (),
        legacy_task_names: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.poll = poll
        self.default_interval_seconds = default_interval_seconds
        self.time_limit_seconds = time_limit_seconds
        self.expected_errors = expected_errors
        self.task_name = f"channels.{kind}.poll"
        self.job_name = f"channels.{kind}.poll_due"
        # When each account was last handed to the queue (the scheduler runs in exactly one process).
        self.last_enqueued: dict[int, float] = {}
        for name in (self.task_name, *legacy_task_names):
            task(name, time_limit_seconds=time_limit_seconds)(self.poll_once)
        periodic(self.job_name, every_seconds=check_every_seconds)(self.enqueue_due)

    def poll_once(self, account_id: int, lease_token: str = "") -> bool:
        """Poll one account, holding its poll lease (the scheduler's, or a new one), renewed after every
        batch: never two polls of the same account at a time (decision 0525). False if another poll runs
        (or the account is gone or disabled)."""
        with poll_lease(account_id, self.time_limit_seconds, lease_token) as held:
            if held is None:
                return False
            account = ChannelAccount.objects.filter(pk=account_id, kind=self.kind).first()
            if account is None or account.status == ChannelAccount.Status.DISABLED:
                return False
            try:
                self.poll(account, lambda: renew_poll_lease(account_id, self.time_limit_seconds, held))
            except PollLeaseLost:
                logger.warning(f"{self.kind}.poll.lease_lost", extra={"channel_account": account_id})
            except self.expected_errors:
                pass  # logged and shown on the account; the next poll tries again
            return True

    def enqueue_due(self) -> list[int]:
        """Enqueue a poll for every account of the kind whose interval has passed; returns their ids."""
        return enqueue_due_polls(
            self.kind,
            self.task_name,
            self.default_interval_seconds,
            self.last_enqueued,
            self.time_limit_seconds,
        )
