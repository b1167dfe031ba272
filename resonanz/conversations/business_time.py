"""Business-time arithmetic for SLAs: pure functions, no database.

A `BusinessCalendar` is a week of opening intervals (local wall-clock times in one time zone) minus public
holidays. An interval whose end is not after its start runs overnight (22:00–06:00 belongs to the day it
starts on; a holiday removes the intervals that *start* on it). Everything works in whole seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_package

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS: dict[str, list[list[str]]] = {day: [["08:00", "18:00"]] for day in WEEKDAYS[:5]}
FEDERAL_STATES = frozenset(holidays_package.country_holidays("DE").subdivisions)
# Never look further ahead than this for the next open minute (a calendar with no hours at all).
_MAX_DAYS = 3 * 366

Interval = tuple[dt.time, dt.time]


@lru_cache(maxsize=256)
def german_holidays(federal_state: str, year: int) -> frozenset[dt.date]:
    """German public holidays of one year: the nationwide ones plus the state's (e.g. "BY", "BE")."""
    subdivision = federal_state or None
    return frozenset(holidays_package.country_holidays("DE", subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: str = "Europe/Berlin"
    # weekday (0 = Monday) → opening intervals
    week: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    federal_state: str = ""
    # Extra closed days on top of the public holidays (company holidays).
    closed_days: frozenset[dt.date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_closed_day(self, day: dt.date) -> bool:
        return day in self.closed_days or day in german_holidays(self.federal_state, day.year)


def calendar_from_settings(settings: Mapping[str, Any], default_time_zone: str) -> BusinessCalendar:
    """Build a calendar from Workspace.settings: "business_hours" ({"mon": [["08:00", "18:00"]], …}),
    "federal_state" ("BY"; empty: nationwide holidays only), "closed_days" (company holidays, ISO dates),
    "time_zone"."""
    hours = settings.get("business_hours") or DEFAULT_HOURS
    week: dict[int, list[Interval]] = {}
    for index, name in enumerate(WEEKDAYS):
        week[index] = [
            (dt.time.fromisoformat(start), dt.time.fromisoformat(end)) for start, end in hours.get(name, [])
        ]
    state = str(settings.get("federal_state") or "").upper()
    if state and state not in FEDERAL_STATES:
        state = ""
    closed: set[dt.date] = set()
    for day in settings.get("closed_days") or []:
        try:
            closed.add(dt.date.fromisoformat(str(day)))
        except ValueError:
            continue  # written through the settings page, which checks; an odd value never stops the clocks
    return BusinessCalendar(
        time_zone=str(settings.get("time_zone") or default_time_zone),
        week=week,
        federal_state=state,
        closed_days=frozenset(closed),
    )


def _open_intervals(
    calendar: BusinessCalendar, start: dt.datetime
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Opening intervals (aware, UTC) that end after `start`, in order. Starts one day early so an
    overnight interval begun yesterday is included."""
    zone = calendar.zone
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    for _ in range(_MAX_DAYS):
        if not calendar.is_closed_day(day):
            for opens, closes in calendar.week.get(day.weekday(), ()):
                begin = dt.datetime.combine(day, opens, tzinfo=zone)
                end_day = day if closes > opens else day + dt.timedelta(days=1)
                end = dt.datetime.combine(end_day, closes, tzinfo=zone)
                begin_utc, end_utc = begin.astimezone(dt.UTC), end.astimezone(dt.UTC)
                if end_utc > start:
                    yield begin_utc, end_utc
        day += dt.timedelta(days=1)


def add_business_minutes(calendar: BusinessCalendar, start: dt.datetime, minutes: float) -> dt.datetime:
    """The moment `minutes` business minutes after `start` (aware). 0 minutes outside business hours is
    the next opening."""
    return add_business_minutes_each(calendar, start, [minutes])[0]


def add_business_minutes_each(
    calendar: BusinessCalendar, start: dt.datetime, minutes: Sequence[float]
) -> list[dt.datetime]:
    """`add_business_minutes` for several amounts from one start, walking the opening intervals once (an SLA's
    four clocks; routing sets them for every conversation whose priority it changes)."""
    out: list[dt.datetime | None] = [None] * len(minutes)
    pending = sorted(range(len(minutes)), key=lambda index: minutes[index])
    spent = dt.timedelta()
    for begin, end in _open_intervals(calendar, start):
        begin = max(begin, start)
        available = end - begin
        while pending:
            remaining = dt.timedelta(minutes=minutes[pending[0]]) - spent
            if remaining > available:
                break
            out[pending.pop(0)] = begin + remaining
        if not pending:
            return [moment for moment in out if moment is not None]
        spent += available
    raise ValueError("the business calendar has no opening hours")


def business_minutes_between(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> float:
    """Business minutes from `start` to `end`; negative when `end` is before `start`."""
    if end < start:
        return -business_minutes_between(calendar, end, start)
    total = dt.timedelta()
    for begin, close in _open_intervals(calendar, start):
        if begin >= end:
            break
        total += min(close, end) - max(begin, start)
    return total.total_seconds() / 60
