"""The detector as pure functions: bursts of distinct customers open an incident; repetition does not."""

from __future__ import annotations

import json
import random
import zlib
from typing import Any, TypeVar

from resonanz.incidents.detector import (
    DetectorConfig,
    DetectorState,
    Ended,
    Event,
    Grew,
    Maintenance,
    Observation,
    Opened,
    dumps,
    dumps_apart,
    loads,
    observe,
    set_maintenance,
    suppress,
    sweep,
    unchanged_clusters,
)

CONFIG = DetectorConfig()
START = 1_508_000_000.0  # 2017-10-14
WORDS = [
    "playlist",
    "song",
    "album",
    "artist",
    "premium",
    "family",
    "account",
    "password",
    "email",
    "invoice",
    "shuffle",
    "offline",
    "download",
    "podcast",
    "radio",
    "lyrics",
    "queue",
    "library",
    "follow",
    "share",
    "speaker",
    "car",
    "desktop",
    "web",
    "player",
    "volume",
    "ads",
    "student",
    "discount",
    "gift",
    "card",
    "trial",
    "cancel",
    "renew",
    "upgrade",
    "downgrade",
    "profile",
    "avatar",
    "username",
    "country",
    "language",
    "notification",
    "alarm",
    "sleep",
    "timer",
    "equalizer",
    "quality",
    "bitrate",
    "storage",
    "cache",
    "sync",
    "device",
    "watch",
    "console",
]


def background(state: DetectorState, hours: float, start: float = START, seed: int = 1) -> tuple[float, int]:
    """Ten unrelated messages an hour from different customers; returns (time, next message id)."""
    rng = random.Random(seed)
    at, message_id = start, 1_000_000
    while at < start + hours * 3600:
        at += rng.expovariate(10 / 3600)
        text = " ".join(rng.sample(WORDS, 4))
        assert not [
            e
            for e in observe(state, Observation(message_id, at, text, f"bg{message_id}"), CONFIG)
            if isinstance(e, Opened)
        ]
        message_id += 1
    return at, message_id


T = TypeVar("T")


def events_of(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def test_a_burst_of_distinct_customers_opens_one_incident_with_all_members() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 7)
    events: list[Event] = []
    for i in range(12):
        text = ["Kein Internet in Köln seit einer Stunde", "kein internet in köln seit 1 stunde!!"][i % 2]
        events += observe(
            state, Observation(i + 1, at + 60 * i, text, f"c{i}", "Köln", "Nordrhein-Westfalen"), CONFIG
        )
    opened = events_of(events, Opened)
    assert len(opened) == 1
    assert opened[0].customers == 5
    assert opened[0].message_ids == (1, 2, 3, 4, 5)
    assert opened[0].cities == {"Köln": 5}
    grown = [m for e in events_of(events, Grew) for m in e.message_ids]
    assert grown == [6, 7, 8, 9, 10, 11, 12]


def test_one_customer_writing_fifty_times_is_not_an_outage() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 7)
    events: list[Event] = []
    for i in range(50):
        events += observe(
            state, Observation(i + 1, at + 30 * i, f"WO BLEIBT MEIN TECHNIKER?? ({i})", "angry"), CONFIG
        )
    assert events_of(events, Opened) == []


def test_a_flood_of_identical_spam_is_not_an_outage() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 7)
    events: list[Event] = []
    for i in range(500):
        events += observe(
            state, Observation(i + 1, at + i, "Gratis iPhone gewinnen: bit.ly/xyz", "spambot"), CONFIG
        )
    assert events_of(events, Opened) == []


def test_four_customers_are_not_enough_evidence() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 7)
    events: list[Event] = []
    for i in range(8):
        events += observe(
            state, Observation(i + 1, at + 60 * i, "Festnetz tot, kein Freizeichen", f"c{i % 4}"), CONFIG
        )
    assert events_of(events, Opened) == []


def test_the_state_survives_a_restart_mid_burst() -> None:
    def run(restart: bool) -> list[Event]:
        state = DetectorState()
        at, _ = background(state, 24 * 3)
        events: list[Event] = []
        for i in range(10):
            if restart and i == 3:
                state = loads(dumps(state))
            events += observe(
                state, Observation(i + 1, at + 60 * i, "App stürzt beim Start ab", f"c{i}"), CONFIG
            )
        return events

    assert run(restart=True) == run(restart=False)
    assert len(events_of(run(restart=True), Opened)) == 1


def test_unreadable_state_starts_afresh() -> None:
    assert loads(b"").messages == 0
    assert loads(b"not zlib").clusters == {}


def test_an_incident_ends_after_a_quiet_hour() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 3)
    events: list[Event] = []
    for i in range(6):
        events += observe(
            state, Observation(i + 1, at + 60 * i, "Mobilfunk komplett ausgefallen", f"c{i}"), CONFIG
        )
    key = events_of(events, Opened)[0].key
    assert sweep(state, at + 30 * 60, CONFIG) == []
    assert sweep(state, at + 5 * 60 + 61 * 60, CONFIG) == [Ended(key, at + 5 * 60 + 61 * 60)]
    assert state.incidents == {}


def test_a_dismissal_teaches_the_detector() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 3)
    events: list[Event] = []
    for i in range(6):
        events += observe(
            state, Observation(i + 1, at + 60 * i, "Die Rechnung ist doppelt abgebucht", f"c{i}"), CONFIG
        )
    key = events_of(events, Opened)[0].key
    assert suppress(state, key, at + 400, CONFIG)
    later = at + 6 * 3600
    events = []
    for i in range(10):
        text = "die rechnung ist doppelt abgebucht!!"
        events += observe(state, Observation(100 + i, later + 60 * i, text, f"d{i}"), CONFIG)
    assert events_of(events, Opened) == []


def test_a_maintenance_window_suppresses_incidents_in_its_region() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 3)
    set_maintenance(state, [Maintenance(frozenset({"Leipzig", "Dresden"}), at, at + 4 * 3600)])
    events: list[Event] = []
    for i in range(8):
        events += observe(
            state,
            Observation(i + 1, at + 60 * i, "Kein Internet in Leipzig", f"c{i}", "Leipzig", "Sachsen"),
            CONFIG,
        )
    assert events_of(events, Opened) == []
    for i in range(8):
        events += observe(
            state,
            Observation(50 + i, at + 60 * i, "Kein Internet in Bremen", f"b{i}", "Bremen", "Bremen"),
            CONFIG,
        )
    assert len(events_of(events, Opened)) == 1


def test_the_same_words_in_two_cities_are_two_incidents() -> None:
    state = DetectorState()
    at, _ = background(state, 24 * 3)
    events: list[Event] = []
    for i in range(8):
        for n, (city, region_state) in enumerate(
            (("Köln", "Nordrhein-Westfalen"), ("Bonn", "Nordrhein-Westfalen"))
        ):
            observation = Observation(
                2 * i + n + 1,
                at + 60 * i + n,
                f"Kein Netz in {city} seit 15 Uhr",
                f"{city}{i}",
                city,
                region_state,
            )
            events += observe(state, observation, CONFIG)
    opened = events_of(events, Opened)
    assert sorted(tuple(e.cities) for e in opened) == [("Bonn",), ("Köln",)]


def _members(events: list[Event]) -> dict[int, set[int]]:
    members: dict[int, set[int]] = {}
    for event in events:
        if isinstance(event, (Opened, Grew)):
            members.setdefault(event.key, set()).update(event.message_ids)
    return members


def test_koeln_and_bonn_at_the_same_time_keep_their_members_apart() -> None:
    # The same words without a place in the text; the region is the customer's (postal code), as in the
    # product. A third of the customers have no known region: once both outages are open, such a message
    # cannot be told to belong to either and joins neither (before, it joins the one outage there is).
    state = DetectorState()
    at, _ = background(state, 24 * 3)
    texts = ["Kein Netz seit 15 Uhr", "kein netz mehr seit 15 uhr!!", "Handy hat keinen Empfang mehr"]
    rng = random.Random(3)
    events: list[Event] = []
    city_of: dict[int, str] = {}
    written: dict[int, float] = {}
    for i in range(40):
        for n, (city, region_state) in enumerate(
            (("Köln", "Nordrhein-Westfalen"), ("Bonn", "Nordrhein-Westfalen"), ("", ""))
        ):
            message_id = 3 * i + n + 1
            city_of[message_id] = city
            written[message_id] = at + 30 * i + n
            observation = Observation(
                message_id, at + 30 * i + n, rng.choice(texts), f"{city or 'x'}{i}", city, region_state
            )
            events += observe(state, observation, CONFIG)
    opened = events_of(events, Opened)
    assert sorted(tuple(e.cities) for e in opened) == [("Bonn",), ("Köln",)]
    both_open = max(e.at for e in opened)
    for ids in _members(events).values():
        placed = {city_of[i] for i in ids} - {""}
        assert len(placed) == 1, placed  # never a member from the other city
        assert sum(1 for i in ids if city_of[i]) >= 35  # nearly all of its own city's 40
        assert all(written[i] <= both_open for i in ids if not city_of[i])


def _plain_json(state: DetectorState) -> str:
    """The state encoded in one `json.dumps`, as `dumps` did (format 1) before it kept the clusters' JSON
    (decision 0834)."""
    from resonanz.incidents.detector import _profile_out, _vector_out

    data = {
        "format": 1,
        "next_id": state.next_id,
        "messages": state.messages,
        "first_at": state.first_at,
        "last_at": state.last_at,
        "last_sweep": state.last_sweep,
        "word_df": state.word_df,
        "gram_df": state.gram_df,
        "hour_counts": state.hour_counts,
        "hour_weeks": state.hour_weeks,
        "hour_last_week": state.hour_last_week,
        "clusters": [
            {
                "id": c.id,
                "created": c.created,
                "last": c.last,
                "profile": _profile_out(c.profile),
                "words": dict(c.words),
                "recent": c.recent,
                "size": c.size,
                "texts": c.texts,
                "incident": c.incident,
                "suppressed": c.suppressed,
            }
            for c in state.clusters.values()
        ],
        "incidents": [
            {
                "key": t.key,
                "opened": t.opened,
                "last": t.last,
                "profile": _profile_out(t.profile),
                "clusters": sorted(t.clusters),
                "customers": sorted(t.customers),
                "size": t.size,
                "texts": t.texts,
                "meaning": _vector_out(t.meaning),
            }
            for t in state.incidents.values()
        ],
        "suppressions": [{"profile": _profile_out(s.profile), "until": s.until} for s in state.suppressions],
        "maintenance": [
            {"regions": sorted(m.regions), "starts": m.starts, "ends": m.ends} for m in state.maintenance
        ],
    }
    return json.dumps(data, separators=(",", ":"))


def _written(blob: bytes) -> dict[str, Any]:
    """What `dumps` wrote, as format 1 would have it (each cluster's JSON text decoded)."""
    data = json.loads(zlib.decompress(blob))
    assert data["format"] == 2
    return {**data, "format": 1, "clusters": [json.loads(text) for text in data["clusters"]]}


def test_the_written_state_is_always_the_whole_current_state() -> None:
    # `dumps` reuses the JSON of clusters that did not change since it last ran: through bursts in two
    # cities and from nowhere that open, grow, absorb, get dismissed and end, with a write every three
    # messages, what it writes is still exactly the state of that moment.
    state = DetectorState()
    at, message_id = background(state, 24 * 2)
    rng = random.Random(3)
    places = {
        "Köln": "Kein Internet in Köln seit einer Stunde",
        "Bonn": "Mobilfunk in Bonn komplett ausgefallen",
        "": "App stürzt beim Start ab",
    }
    seen: list[Event] = []
    for step in range(600):
        at += rng.choice([5.0, 20.0, 60.0]) if step % 150 else 2 * 3600.0
        message_id += 1
        city = rng.choice(list(places))
        text = places[city] if rng.random() < 0.7 else " ".join(rng.sample(WORDS, 4))
        seen += observe(state, Observation(message_id, at, text, f"c{rng.randrange(80)}", city), CONFIG)
        opened = events_of(seen, Opened)
        if step % 50 == 25 and opened and opened[-1].key in state.incidents:
            assert suppress(state, opened[-1].key, at, CONFIG)
        if step % 3 == 0:
            assert _written(dumps(state)) == json.loads(_plain_json(state))
    assert len(events_of(seen, Opened)) == 3
    assert events_of(seen, Ended)
    assert _written(dumps(state)) == json.loads(_plain_json(state))
    # Read back, the clusters' texts are reused; the state goes on from there the same.
    again = loads(dumps(state))
    assert _written(dumps(again)) == json.loads(_plain_json(state))
    follow_up = Observation(message_id + 1, at + 5, places["Köln"], "c1", "Köln")
    assert observe(again, follow_up, CONFIG) == observe(state, follow_up, CONFIG)
    assert _written(dumps(again)) == json.loads(_plain_json(state))


def test_two_processes_taking_turns_read_the_same_state_as_a_fresh_read() -> None:
    # Process A and B alternate; each reads the blob the other wrote, taking over from its own older copy
    # the clusters neither changed (decision 0859). What each then holds and writes is what a fresh read
    # would give, and it goes on the same.
    rng = random.Random(5)
    start = DetectorState()
    at, message_id = background(start, 24)
    blob = dumps(start)
    copies: list[DetectorState | None] = [None, None]
    reused = taken = 0
    for turn in range(40):
        mine = copies[turn % 2]
        state = loads(blob, previous=mine)
        fresh = loads(blob)
        assert _written(dumps(state)) == _written(dumps(fresh)) == _written(blob)
        assert state.index == fresh.index
        if mine is not None:
            reused += sum(1 for cid, cluster in state.clusters.items() if mine.clusters.get(cid) is cluster)
            taken += len(state.clusters)
        for _ in range(5):
            at += rng.choice([5.0, 60.0, 600.0])
            message_id += 1
            text = "Kein Internet in Köln" if rng.random() < 0.5 else " ".join(rng.sample(WORDS, 4))
            follow_up = Observation(message_id, at, text, f"c{rng.randrange(30)}", "Köln")
            assert observe(state, follow_up, CONFIG) == observe(fresh, follow_up, CONFIG)
        blob = dumps(state)
        assert _written(blob) == _written(dumps(fresh))
        copies[turn % 2] = state
    assert reused > taken // 3  # the unchanged clusters were taken over, not decoded again (136 of 264)


def test_clusters_written_apart_are_only_the_changed_ones_and_read_back_whole() -> None:
    # The store's side of dumps_apart: rows by cluster id, replaced, upserted or deleted as it says.
    rng = random.Random(7)
    state = DetectorState()
    at, message_id = background(state, 24)
    rows: dict[int, str] = {}
    first = dumps_apart(state)
    assert first.everything and set(first.changed) == set(state.clusters)
    rows.update(first.changed)
    reader: DetectorState | None = None
    took_over = 0
    for _turn in range(30):
        for _ in range(4):
            at += rng.choice([5.0, 20.0, 60.0])
            message_id += 1
            text = "Kein Internet in Köln" if rng.random() < 0.5 else " ".join(rng.sample(WORDS, 4))
            observe(state, Observation(message_id, at, text, f"c{rng.randrange(30)}", "Köln"), CONFIG)
        apart = dumps_apart(state)
        assert not apart.everything
        assert len(apart.changed) <= 4 + len(state.incidents)  # the touched clusters, not all of them
        for cid in apart.gone:
            del rows[cid]
        rows.update(apart.changed)
        assert set(rows) == set(state.clusters)
        again = loads(apart.head, clusters=[(cid, rows[cid]) for cid in sorted(rows)])
        assert list(again.clusters) == list(state.clusters)
        assert _written(dumps(again)) == json.loads(_plain_json(state))
        assert again.index == loads(dumps(state)).index
        if reader is not None:  # a process holding last turn's copy takes over what nobody rewrote
            unchanged = unchanged_clusters(reader)
            taken = [
                (cid, None if cid in unchanged and cid not in apart.changed else rows[cid])
                for cid in sorted(rows)
            ]
            took_over += sum(1 for _, text in taken if text is None)
            caught_up = loads(apart.head, previous=reader, clusters=taken)
            assert list(caught_up.clusters) == list(state.clusters)
            assert _written(dumps(caught_up)) == json.loads(_plain_json(state))
            assert caught_up.index == again.index
        reader = loads(apart.head, clusters=[(cid, rows[cid]) for cid in sorted(rows)])
    assert took_over > 300  # 703: most clusters were taken over


def test_a_state_written_in_the_first_format_is_read() -> None:
    state = DetectorState()
    at, _ = background(state, 24)
    for i in range(6):
        observe(state, Observation(i + 1, at + 60 * i, "Mobilfunk komplett ausgefallen", f"c{i}"), CONFIG)
    old = loads(zlib.compress(_plain_json(state).encode()))
    assert old.clusters.keys() == state.clusters.keys()
    assert old.incidents.keys() == state.incidents.keys()
    assert _written(dumps(old)) == json.loads(_plain_json(state))
