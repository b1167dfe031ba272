"""`resonanz events retry [--failed] [--since WHEN] [--json]`: hand inbound events to the queue again.

Without ``--failed``: events still pending (waiting for their backoff after an error, or left by a lost
task) are due now. With ``--failed``: failed events too, with fresh attempts. ``--since`` takes an ISO
date/time (``2026-12-06``, ``2026-12-06T14:00``) or an age (``30m``, ``6h``, ``2d``) and limits the retry to
events received since then.

Exit codes: 0 done (also when nothing matched; the counts say so), 2 invalid arguments."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from resonanz.channels.ingest import retry_events

_AGE = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(value: str, now: dt.datetime) -> dt.datetime:
    """An ISO date or date/time (local time zone if none is given), or an age such as 6h."""
    text = value.strip()
    age = _AGE.match(text)
    if age:
        return now - dt.timedelta(seconds=int(age.group(1)) * _UNIT_SECONDS[age.group(2)])
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"--since {value!r}: give an ISO date/time (2026-12-06T14:00) or an age (30m, 6h, 2d)",
            returncode=2,
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Inbound events: `retry` hands pending (and with --failed, failed) events to the queue again."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        retry = actions.add_parser("retry", help="hand pending (and failed) events to the queue again")
        retry.add_argument("--failed", action="store_true", help="also failed events, with fresh attempts")
        retry.add_argument("--since", default="", help="only events received since (ISO date/time or 6h, 2d)")
        retry.add_argument("--json", action="store_true", help="print the counts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        since = parse_since(options["since"], timezone.now()) if options["since"] else None
        result = retry_events(include_failed=options["failed"], since=since)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "requeued": len(result.event_ids),
                        "waiting": result.waiting,
                        "failed": result.failed,
                        "since": since.isoformat() if since else None,
                    }
                )
            )
            return
        self.stdout.write(
            f"{len(result.event_ids)} events handed to the queue again "
            f"({result.waiting} pending, {result.failed} failed)"
        )
