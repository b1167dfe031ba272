"""Replay a JSONL file of messages through the fake channel, in real or accelerated time.

One JSON object per line: ``{"channel": "<fake account name or imitated kind>", "at": "<ISO time>",
"event": {<generic event>}}``. Blank lines and lines starting with ``#`` are skipped. The whole file is
validated before the first message is pushed, so a bad line stores nothing. An event without its own
``created_at`` is stamped with the moment it is pushed: a replay looks live.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from resonanz.channels.actions import do_create_channel_account
from resonanz.channels.base import MalformedPayload, RawEvent
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_channel
from resonanz.channels.webhook.payloads import MAX_EVENTS_PER_REQUEST, parse_event
from resonanz.customers.models import Identity
from resonanz.workspaces.models import Workspace


class ReplayError(ValueError):
    """The file cannot be replayed (bad line, unknown channel); nothing was pushed."""


@dataclass(frozen=True)
class ReplayLine:
    number: int
    channel: str
    at: dt.datetime
    event: dict[str, Any]


@dataclass(frozen=True)
class ReplayResult:
    pushed: int
    accepted: int
    duplicates: int


def read_lines(path: Path) -> list[ReplayLine]:
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ReplayError(f"cannot read {path}: {error}") from None
    lines: list[ReplayLine] = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        lines.append(parse_line(number, raw))
    return lines


def parse_line(number: int, raw: str) -> ReplayLine:
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise ReplayError(f"line {number}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ReplayError(f"line {number}: expected an object with channel, at and event")
    missing = [key for key in ("channel", "at", "event") if key not in data]
    if missing:
        raise ReplayError(f"line {number}: missing {', '.join(missing)}")
    if not isinstance(data["channel"], str) or not data["channel"].strip():
        raise ReplayError(f"line {number}: channel must be a non-empty string")
    try:
        at = dt.datetime.fromisoformat(str(data["at"]))
    except ValueError:
        raise ReplayError(f"line {number}: at is not an ISO time: {data['at']!r}") from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    try:
        parse_event(data["event"])
    except MalformedPayload as error:
        raise ReplayError(f"line {number}: event: {error}") from None
    return ReplayLine(number=number, channel=data["channel"].strip(), at=at, event=dict(data["event"]))


def resolve_account(workspace: Workspace, name: str) -> ChannelAccount:
    """A fake channel account by its name, else the first one imitating that kind; for a known identity
    kind with no such account, a new fake account "Fake <kind>" is created."""
    fakes = ChannelAccount.objects.filter(workspace=workspace, kind="fake").order_by("id")
    by_name = fakes.filter(name=name).first()
    if by_name is not None:
        return by_name
    by_kind = fakes.filter(config__imitates=name).first()
    if by_kind is not None:
        return by_kind
    if name in Identity.Kind.values:
        return do_create_channel_account(
            workspace,
            kind="fake",
            name=f"Fake {Identity.Kind(name).label}",
            config={"imitates": name},
            is_public=get_channel("fake").is_public({"imitates": name}),
        )
    known = ", ".join(sorted({a.name for a in fakes} | set(Identity.Kind.values)))
    raise ReplayError(f"no fake channel account {name!r}; use one of: {known}")


def delays(lines: Sequence[ReplayLine], speed: float) -> list[float]:
    """Seconds to wait before pushing each line: the gap to the previous line divided by ``speed``
    (speed 60: one minute of the file per second); speed 0: no waiting at all."""
    if speed < 0:
        raise ReplayError("speed must be 0 (as fast as possible) or positive")
    waits: list[float] = []
    previous: dt.datetime | None = None
    for line in lines:
        gap = 0.0 if previous is None else max((line.at - previous).total_seconds(), 0.0)
        waits.append(0.0 if speed == 0 else gap / speed)
        previous = line.at
    return waits


def replay(
    workspace: Workspace,
    lines: Sequence[ReplayLine],
    *,
    speed: float = 1.0,
    channel: str = "",
    sleep: Callable[[float], None] = time.sleep,
    on_pushed: Callable[[int], object] | None = None,
) -> ReplayResult:
    """Push the lines in time order through `accept_events`; consecutive lines for the same account that
    are due together go in one batch."""
    ordered = sorted(lines, key=lambda line: (line.at, line.number))
    accounts: dict[str, ChannelAccount] = {}
    for name in {channel} if channel else {line.channel for line in ordered}:
        accounts[name] = resolve_account(workspace, name)
    waits = delays(ordered, speed)
    pushed = accepted = duplicates = 0
    batch: list[ReplayLine] = []
    batch_account: ChannelAccount | None = None

    def flush() -> None:
        nonlocal pushed, accepted, duplicates, batch_account
        if not batch or batch_account is None:
            return
        now = timezone.now()
        events = []
        for line in batch:
            event = dict(line.event)
            event.setdefault("created_at", now.isoformat())
            events.append(RawEvent(str(event["id"]), event, event_type="message"))
        result = accept_events(batch_account, events)
        pushed += len(batch)
        accepted += result.accepted
        duplicates += result.duplicates
        if on_pushed:
            on_pushed(len(batch))
        batch.clear()
        batch_account = None

    for line, wait in zip(ordered, waits, strict=True):
        account = accounts[channel or line.channel]
        if wait > 0 or account != batch_account or len(batch) >= MAX_EVENTS_PER_REQUEST:
            flush()
        if wait > 0:
            sleep(wait)
        batch_account = account
        batch.append(line)
    flush()
    return ReplayResult(pushed=pushed, accepted=accepted, duplicates=duplicates)
