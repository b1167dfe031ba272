"""Listening rules by the filtered stream (`GET /2/tweets/search/stream`, rules at `.../stream/rules`).

`consume_stream` holds one connection, stores each matching post as it arrives (store first), and
reconnects with X's documented backoff: network errors linearly from 250 ms up to 16 s, HTTP errors
exponentially from 5 s up to 320 s, 429 exponentially from 1 min. A stream that delivered data resets the
backoff. `sync_rules` makes the platform's rules equal to ``config["stream_rules"]``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resonanz.channels.ingest import accept_events
from resonanz.channels.models import ChannelAccount
from resonanz.channels.x.adapter import client_for
from resonanz.channels.x.client import NetworkError, RateLimited, XApiError
from resonanz.channels.x.polling import tweet_events

logger = logging.getLogger("resonanz.channels.x")


@dataclass
class Backoff:
    """Seconds to wait before the next connection; ``scale`` shrinks every wait (tests use a tiny one)."""

    scale: float = 1.0
    network_waits: int = 0
    http_waits: int = 0
    rate_waits: int = 0

    def after_network_error(self) -> float:
        self.network_waits += 1
        return min(0.25 * self.network_waits, 16.0) * self.scale

    def after_http_error(self) -> float:
        self.http_waits += 1
        return float(min(5.0 * 2 ** (self.http_waits - 1), 320.0) * self.scale)

    def after_rate_limit(self) -> float:
        self.rate_waits += 1
        return float(min(60.0 * 2 ** (self.rate_waits - 1), 960.0) * self.scale)

    def reset(self) -> None:
        self.network_waits = self.http_waits = self.rate_waits = 0


@dataclass
class StreamStats:
    connections: int = 0
    lines: int = 0
    stored: int = 0
    skipped: int = 0


def handle_line(account: ChannelAccount, line: str, stats: StreamStats) -> None:
    """One line of the stream: blank = keep-alive; a post is stored; anything else is logged."""
    line = line.strip()
    if not line:
        return
    stats.lines += 1
    try:
        data: Any = json.loads(line)
    except ValueError:
        stats.skipped += 1
        logger.warning("channel.x.stream.malformed_line", extra={"channel_account": account.pk})
        return
    if not isinstance(data, dict) or "data" not in data:
        # Operational messages ({"errors": [...]}, e.g. "operational-disconnect") carry no post.
        logger.info("channel.x.stream.notice", extra={"channel_account": account.pk, "line": line[:300]})
        return
    events, bad = tweet_events(data, account_id=account.pk)
    stats.skipped += bad
    stats.stored += accept_events(account, events).accepted


def consume_stream(
    account: ChannelAccount,
    stop: threading.Event,
    *,
    backoff: Backoff | None = None,
    max_connections: int | None = None,
    read_timeout: float = 30.0,
    on_line: Callable[[StreamStats], None] | None = None,
) -> StreamStats:
    """Run until ``stop`` is set (or after ``max_connections`` connections). X sends a keep-alive every
    20 s, so a read timeout of 30 s means the connection is dead: reconnect."""
    backoff = backoff or Backoff()
    stats = StreamStats()
    client = client_for(account, which="bearer_token")
    while not stop.is_set():
        if max_connections is not None and stats.connections >= max_connections:
            break
        stats.connections += 1
        stored_before = stats.stored
        try:
            for line in client.stream_lines(read_timeout=read_timeout):
                handle_line(account, line, stats)
                if on_line is not None:
                    on_line(stats)
                if stop.is_set():
                    break
            wait = 0.0 if stats.stored > stored_before else backoff.after_network_error()
            reason = "closed"
        except RateLimited:
            wait, reason = backoff.after_rate_limit(), "rate_limited"
        except NetworkError:
            wait, reason = backoff.after_network_error(), "network"
        except XApiError as error:
            wait, reason = backoff.after_http_error(), f"http {error.status_code}"
        if stats.stored > stored_before:
            backoff.reset()
        logger.info(
            "channel.x.stream.reconnect",
            extra={"channel_account": account.pk, "reason": reason, "wait": round(wait, 3)},
        )
        if wait:
            stop.wait(wait)
    return stats


def sync_rules(account: ChannelAccount) -> dict[str, int]:
    """Make the platform's stream rules equal to ``config["stream_rules"]`` (matched by value)."""
    wanted = {
        str(rule["value"]): str(rule.get("tag", ""))
        for rule in account.config.get("stream_rules") or []
        if isinstance(rule, dict) and rule.get("value")
    }
    client = client_for(account, which="bearer_token")
    current = client.stream_rules().get("data") or []
    stale = [str(r["id"]) for r in current if isinstance(r, dict) and r.get("value") not in wanted]
    present = {r.get("value") for r in current if isinstance(r, dict)}
    missing = [{"value": v, "tag": t} for v, t in wanted.items() if v not in present]
    if stale:
        client.change_stream_rules({"delete": {"ids": stale}})
    if missing:
        client.change_stream_rules({"add": missing})
    logger.info(
        "channel.x.stream.rules_synced",
        extra={"channel_account": account.pk, "added": len(missing), "deleted": len(stale)},
    )
    return {"added": len(missing), "deleted": len(stale)}


_running: dict[int, tuple[threading.Thread, threading.Event]] = {}
_running_lock = threading.Lock()


def ensure_stream_threads() -> list[int]:
    """Keep one stream thread per X account with ``config["stream"]`` in this process (the scheduler's:
    run exactly one scheduler). Returns the accounts that have a live thread."""
    wanted = {
        a.pk: a
        for a in ChannelAccount.objects.filter(kind="x", status=ChannelAccount.Status.HEALTHY)
        if a.config.get("stream")
    }
    with _running_lock:
        for account_id, (thread, stop) in list(_running.items()):
            if account_id not in wanted or not thread.is_alive():
                stop.set()
                del _running[account_id]
        for account_id, account in wanted.items():
            if account_id in _running:
                continue
            stop = threading.Event()
            thread = threading.Thread(
                target=_stream_thread, args=(account, stop), name=f"x-stream-{account_id}", daemon=True
            )
            _running[account_id] = (thread, stop)
            thread.start()
        return sorted(_running)


def stop_stream_threads() -> None:
    with _running_lock:
        for thread, stop in _running.values():
            stop.set()
            thread.join(5)
        _running.clear()


def _stream_thread(account: ChannelAccount, stop: threading.Event) -> None:
    from django.db import close_old_connections

    try:
        sync_rules(account)
    except XApiError as error:
        logger.warning(
            "channel.x.stream.rules_failed", extra={"channel_account": account.pk, "error": str(error)}
        )
    try:
        consume_stream(account, stop)
    finally:
        close_old_connections()
