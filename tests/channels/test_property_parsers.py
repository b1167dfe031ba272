"""Property-based tests for every registered inbound parser: arbitrary and mutated payloads end in a clean
rejection (MalformedPayload / IgnoredEvent) or in well-formed results, never in an unhandled exception.

Seeds come from each adapter's JSON fixtures (``resonanz/channels/<key>/fixtures/*.json``) run through its
own ``events_from_request``, plus a few per-channel samples (X polls and streams posts that never come by
webhook). A new adapter in the registry is covered without touching this file."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.channels.base import (
    ChannelAdapter,
    IgnoredEvent,
    MalformedPayload,
    NormalizedMessage,
    RawEvent,
)
from resonanz.channels.registry import all_adapters
from resonanz.testing.factories import ChannelAccountFactory, event

pytestmark = pytest.mark.django_db

PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "0", "1861000000000000101", "page", "message_create", "comment", "add", "m_1"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
# Type confusion is what real parsers trip over: a list where an object was, a bool where a list was.
# Every draw is a fresh copy: a mutation must never change the strategy's own constants.
CONFUSING_VALUES: list[Any] = [None, True, False, 0, -1, 1.5, "", "x", [], {}, [[]], [None], {"": None}]
replacements = (st.sampled_from(CONFUSING_VALUES) | json_values).map(
    lambda value: json.loads(json.dumps(value))
)


def _adapter_folder(adapter: ChannelAdapter) -> Path:
    module = importlib.import_module(type(adapter).__module__)
    return Path(module.__file__ or "").parent


def _fixture_bodies(adapter: ChannelAdapter) -> list[bytes]:
    folder = _adapter_folder(adapter) / "fixtures"
    if not folder.is_dir():
        return []
    bodies = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".headers.json"):
            continue
        bodies.append(path.read_bytes())
    return bodies


def _extra_samples(adapter: ChannelAdapter) -> list[RawEvent]:
    samples: list[RawEvent] = []
    if adapter.kind in ("webhook", "fake"):
        samples.append(RawEvent("t-1", event("t-1", "Router blinkt rot", handle="anna"), "message"))
    if adapter.kind == "x":
        from resonanz.channels.x.polling import tweet_events

        for body in _fixture_bodies(adapter):
            samples.extend(tweet_events(json.loads(body))[0])
    return samples


def _seed_events(adapter: ChannelAdapter, account: Any) -> list[RawEvent]:
    seeds = list(_extra_samples(adapter))
    for body in _fixture_bodies(adapter):
        try:
            seeds.extend(adapter.events_from_request(account, body))
        except (MalformedPayload, IgnoredEvent):
            continue
    return seeds


ADAPTERS = sorted(all_adapters(), key=lambda a: a.kind)
ADAPTER_IDS = [a.kind for a in ADAPTERS]


def _account(adapter: ChannelAdapter) -> Any:
    return ChannelAccountFactory(
        kind=adapter.kind,
        secret="s3cret",
        config={"user_id": "1500000000000000001", "page_id": "104123456789012", "imitates": "x"},
    )


def _check_parse(adapter: ChannelAdapter, account: Any, raw: RawEvent) -> None:
    try:
        messages = adapter.parse_inbound(account, raw)
    except (MalformedPayload, IgnoredEvent):
        return
    assert isinstance(messages, list)
    for message in messages:
        assert isinstance(message, NormalizedMessage)
        assert isinstance(message.external_id, str) and message.external_id
        assert isinstance(message.text, str)
        assert isinstance(message.author.handle, str)
        assert isinstance(message.created_at, dt.datetime) and message.created_at.tzinfo is not None


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _mutate(document: Any, data: st.DataObject) -> Any:
    document = json.loads(json.dumps(document))
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        path = data.draw(st.sampled_from(paths))
        if not path:
            document = data.draw(replacements)
            continue
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if data.draw(st.booleans()):
            del parent[last]
        else:
            parent[last] = data.draw(replacements)
    return document


@pytest.mark.parametrize("adapter", ADAPTERS, ids=ADAPTER_IDS)
@PROPERTY_SETTINGS
@given(payload=json_values, event_type=st.text(max_size=20), data=st.data())
def test_parse_inbound_rejects_arbitrary_payloads_cleanly(adapter, payload, event_type, data):
    account = _account(adapter)
    known_types = sorted({e.event_type for e in _seed_events(adapter, account)} | {"", "message"})
    chosen_type = data.draw(st.sampled_from([*known_types, event_type]))
    _check_parse(adapter, account, RawEvent("e-1", payload, chosen_type))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=ADAPTER_IDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_parse_inbound_rejects_mutated_fixture_events_cleanly(adapter, data):
    account = _account(adapter)
    seeds = _seed_events(adapter, account)
    if not seeds:
        pytest.skip(f"{adapter.kind} has no JSON fixture events")
    seed = data.draw(st.sampled_from(seeds))
    mutated = _mutate(seed.payload, data)
    _check_parse(adapter, account, RawEvent(seed.external_id, mutated, seed.event_type))


@pytest.mark.parametrize("adapter", ADAPTERS, ids=ADAPTER_IDS)
@PROPERTY_SETTINGS
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()), data=st.data())
def test_events_from_request_rejects_arbitrary_and_mutated_bodies_cleanly(adapter, body, data):
    account = _account(adapter)
    fixtures = _fixture_bodies(adapter)
    if fixtures and data.draw(st.booleans()):
        body = json.dumps(_mutate(json.loads(data.draw(st.sampled_from(fixtures))), data)).encode()
    try:
        events = adapter.events_from_request(account, body)
    except (MalformedPayload, IgnoredEvent):
        return
    assert isinstance(events, list)
    for raw in events:
        assert isinstance(raw, RawEvent)
        assert isinstance(raw.external_id, str) and raw.external_id
        json.dumps(raw.payload)  # storable
        _check_parse(adapter, account, raw)


@PROPERTY_SETTINGS
@given(page=json_values, data=st.data())
def test_x_timeline_and_stream_parsers_never_raise(page, data):
    from resonanz.channels.x.polling import tweet_events

    seed = json.loads(
        (
            Path(__file__).resolve().parents[2]
            / "resonanz"
            / "channels"
            / "x"
            / "fixtures"
            / "mentions_page.json"
        ).read_text()
    )
    events, skipped = tweet_events(seed)
    assert (len(events), skipped) == (len(seed["data"]), 0)  # the documented shape loses nothing
    for candidate in (page, _mutate(seed, data)):
        if not isinstance(candidate, dict):
            continue
        items = candidate.get("data")
        items = [items] if isinstance(items, dict) else items if isinstance(items, list) else []
        events, skipped = tweet_events(candidate)
        # Every post is either kept or counted as skipped, never both, never lost; kept ones in order.
        assert len(events) + skipped == len(items)
        kept = iter(items)
        for raw in events:
            assert any(item is raw.payload["data"] for item in kept)
            assert raw.external_id == str(raw.payload["data"]["id"])
            json.dumps(raw.payload)
