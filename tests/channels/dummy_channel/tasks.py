"""The dummy channel's poller: `channels.dummy.poll` reads what waits on the platform for one account,
`channels.dummy.poll_due` enqueues it for every account that is due."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.channels.polling import Poller
from tests.channels.dummy_channel.adapter import raw_event

# What waits on the dummy platform to be polled, by channel account id.
WAITING: dict[int, list[dict[str, Any]]] = {}


def poll(account: ChannelAccount, renew: Callable[[], None]) -> None:
    items = WAITING.pop(account.pk, [])
    accept_events(account, [raw_event(item) for item in items])


POLLER = Poller("dummy", poll, check_every_seconds=5, default_interval_seconds=60, time_limit_seconds=30)
