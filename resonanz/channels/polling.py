"""Shared by the polling channels (e-mail, feeds): which accounts of a kind are due for a poll."""

from __future__ import annotations

import time

from resonanz.channels.models import ChannelAccount
from resonanz.core.queue import enqueue


def enqueue_due_polls(
    kind: str, task_name: str, default_seconds: float, last_enqueued: dict[int, float]
) -> list[int]:
    """Enqueue `task_name` for every enabled account of `kind` whose interval (config["poll_every_seconds"],
    else `default_seconds`) has passed since it was last enqueued; returns their ids. The scheduler runs in
    exactly one process, so `last_enqueued` (the caller's, per kind) can live in memory."""
    now = time.monotonic()
    due = []
    accounts = ChannelAccount.objects.filter(kind=kind).exclude(status=ChannelAccount.Status.DISABLED)
    for account_id, config in accounts.values_list("id", "config"):
        every = float((config or {}).get("poll_every_seconds") or default_seconds)
        if now - last_enqueued.get(account_id, -1e12) < every:
            continue
        last_enqueued[account_id] = now
        enqueue(task_name, account_id)
        due.append(account_id)
    return due
