"""Business-time arithmetic: table-driven, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from resonanz.conversations.business_time import (
    BusinessCalendar,
    _open_intervals,
    add_business_minutes,
    add_business_minutes_each,
    business_minutes_between,
    calendar_from_settings,
    german_holidays,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {day: [(dt.time(8), dt.time(18))] for day in range(5)}
NIGHT_SHIFT = {day: [(dt.time(22), dt.time(6))] for day in range(7)}
SPLIT_DAY = {day: [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))] for day in range(5)}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def calendar(week=None, state: str = "", closed=frozenset()) -> BusinessCalendar:
    return BusinessCalendar("Europe/Berlin", OFFICE if week is None else week, state, frozenset(closed))


@pytest.mark.parametrize(
    ("case", "cal", "start", "minutes", "expected"),
    [
        ("within the day", calendar(), "2026-11-23 10:00", 60, "2026-11-23 11:00"),
        ("to the minute of closing", calendar(), "2026-11-23 17:00", 60, "2026-11-23 18:00"),
        ("over the night", calendar(), "2026-11-23 17:30", 60, "2026-11-24 08:30"),
        ("before opening", calendar(), "2026-11-23 06:00", 30, "2026-11-23 08:30"),
        ("over the weekend", calendar(), "2026-11-27 17:30", 60, "2026-11-30 08:30"),
        (
            "zero minutes on a Saturday is Monday's opening",
            calendar(),
            "2026-11-28 12:00",
            0,
            "2026-11-30 08:00",
        ),
        ("three business days", calendar(), "2026-11-23 09:00", 3 * 600, "2026-11-26 09:00"),
        (
            "Epiphany is a holiday in Bayern",
            calendar(state="BY"),
            "2026-01-05 17:00",
            120,
            "2026-01-07 09:00",
        ),
        ("…but not in Berlin", calendar(state="BE"), "2026-01-05 17:00", 120, "2026-01-06 09:00"),
        ("Corpus Christi in Bayern", calendar(state="BY"), "2026-06-03 17:00", 120, "2026-06-05 09:00"),
        (
            "Corpus Christi is a workday in Berlin",
            calendar(state="BE"),
            "2026-06-03 17:00",
            120,
            "2026-06-04 09:00",
        ),
        (
            "Women's Day is a holiday in Berlin only",
            calendar(state="BE"),
            "2027-03-05 17:00",
            120,
            "2027-03-09 09:00",
        ),
        ("Christmas, nationwide", calendar(), "2026-12-24 17:00", 120, "2026-12-28 09:00"),
        (
            "company holiday",
            calendar(closed={dt.date(2026, 11, 24)}),
            "2026-11-23 17:00",
            120,
            "2026-11-25 09:00",
        ),
        ("night shift, same night", calendar(NIGHT_SHIFT), "2026-11-23 23:00", 120, "2026-11-24 01:00"),
        ("night shift begun yesterday", calendar(NIGHT_SHIFT), "2026-11-23 05:00", 120, "2026-11-23 23:00"),
        ("night shift, daytime start", calendar(NIGHT_SHIFT), "2026-11-23 12:00", 30, "2026-11-23 22:30"),
        ("lunch break", calendar(SPLIT_DAY), "2026-11-23 11:30", 60, "2026-11-23 13:30"),
        ("end of summer time", calendar(), "2026-10-23 17:00", 120, "2026-10-26 09:00"),
    ],
)
def test_add_business_minutes(case, cal, start, minutes, expected):
    assert add_business_minutes(cal, at(start), minutes) == at(expected), case


@pytest.mark.parametrize("week", [OFFICE, NIGHT_SHIFT, SPLIT_DAY], ids=["office", "night", "split"])
def test_several_amounts_in_one_walk_give_what_each_gives_alone(week):
    # An SLA's four clocks are set in one walk over the opening intervals: to the microsecond the same.
    import random

    rng = random.Random(7)
    cal = calendar(week, state="BY", closed={dt.date(2026, 11, 24)})
    for _ in range(300):
        start = at("2026-10-20 00:00") + dt.timedelta(seconds=rng.randrange(90 * 24 * 3600), microseconds=7)
        amounts = [rng.choice([0, 0.5, 15, 45, 60, 479.75, 600, 1440, 2880, 7 * 1440]) for _ in range(4)]
        assert add_business_minutes_each(cal, start, amounts) == [one_walk(cal, start, m) for m in amounts]


def one_walk(cal: BusinessCalendar, start: dt.datetime, minutes: float) -> dt.datetime:
    """The definition: walk the opening intervals until the minutes are spent."""
    remaining = dt.timedelta(minutes=minutes)
    for begin, end in _open_intervals(cal, start):
        begin = max(begin, start)
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("no opening hours")


@pytest.mark.parametrize(
    ("case", "cal", "start", "end", "expected"),
    [
        ("within the day", calendar(), "2026-11-23 10:00", "2026-11-23 11:00", 60),
        ("over the weekend", calendar(), "2026-11-27 17:00", "2026-11-30 09:00", 120),
        ("a whole weekend", calendar(), "2026-11-28 00:00", "2026-11-30 00:00", 0),
        ("Epiphany in Bayern", calendar(state="BY"), "2026-01-05 17:00", "2026-01-07 09:00", 120),
        ("Epiphany in Berlin", calendar(state="BE"), "2026-01-05 17:00", "2026-01-07 09:00", 720),
        ("night shift", calendar(NIGHT_SHIFT), "2026-11-23 05:00", "2026-11-23 23:00", 120),
        ("backwards is negative", calendar(), "2026-11-23 11:00", "2026-11-23 10:00", -60),
        ("same moment", calendar(), "2026-11-23 11:00", "2026-11-23 11:00", 0),
    ],
)
def test_business_minutes_between(case, cal, start, end, expected):
    assert business_minutes_between(cal, at(start), at(end)) == expected, case


@pytest.mark.parametrize("minutes", [0, 1, 59, 600, 1234, 5000])
def test_adding_then_measuring_gives_the_same_minutes(minutes):
    start = at("2026-12-23 16:17")
    cal = calendar(state="NW")
    assert business_minutes_between(cal, start, add_business_minutes(cal, start, minutes)) == minutes


def test_calendar_without_hours_is_an_error():
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_minutes(calendar(week={}), at("2026-11-23 10:00"), 10)


@pytest.mark.parametrize(
    ("workspace_settings", "expected_state", "expected_monday"),
    [
        ({}, "", [(dt.time(8), dt.time(18))]),
        ({"federal_state": "by"}, "BY", [(dt.time(8), dt.time(18))]),
        ({"federal_state": "XX"}, "", [(dt.time(8), dt.time(18))]),
        (
            {"business_hours": {"mon": [["07:30", "12:00"], ["13:00", "16:00"]]}},
            "",
            [
                (dt.time(7, 30), dt.time(12)),
                (dt.time(13), dt.time(16)),
            ],
        ),
    ],
)
def test_calendar_from_workspace_settings(workspace_settings, expected_state, expected_monday):
    cal = calendar_from_settings(workspace_settings, "Europe/Berlin")
    assert cal.federal_state == expected_state
    assert list(cal.week[0]) == expected_monday


def test_holidays_by_state():
    assert dt.date(2026, 1, 6) in german_holidays("BY", 2026)
    assert dt.date(2026, 1, 6) not in german_holidays("BE", 2026)
    assert dt.date(2026, 10, 3) in german_holidays("", 2026)
