"""Shared by the polling channels (e-mail, feeds): which accounts of a kind are due for a poll, and the poll
lease that keeps it to one poll per account at a time (decision 0525)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Q
from django.utils import timezone

from resonanz.channels.models import ChannelAccount
from resonanz.core.queue import enqueue


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
