"""The app adapter on its raw events: one test per event type from fixtures/, unknown type ignored,
malformed payload rejected, and arbitrary payloads only ever rejected cleanly."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.channels.app.adapter import AppAdapter
from resonanz.channels.base import (
    Author,
    IgnoredEvent,
    MalformedPayload,
    NormalizedMessage,
    OutboundRequest,
    RawEvent,
)
from resonanz.channels.ingest import accept_events, process_events
from resonanz.channels.models import InboundEvent
from resonanz.conversations.models import Message

FIXTURES = Path(__file__).resolve().parents[3] / "resonanz" / "channels" / "app" / "fixtures"
adapter = AppAdapter()


def fixture(name: str) -> dict:
    data: dict = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def parse(payload) -> list[NormalizedMessage]:
    return adapter.parse_inbound(None, RawEvent("x", payload))  # type: ignore[arg-type]


def test_message_event():
    [message] = parse(fixture("message"))
    assert message == NormalizedMessage(
        external_id="app:kunde-4711:m-3f9a1c2e7b40",
        author=Author(
            kind="app",
            handle="kunde-4711",
            display_name="Anna Beispiel",
            profile={"email": "anna@example.org"},
        ),
        text="Hallo, seit heute Morgen habe ich kein Internet. Der Router blinkt rot.",
        created_at=dt.datetime(2026, 11, 23, 8, 15, tzinfo=dt.UTC),
        is_public=False,
        subject="",
        extra={"app": {"type": "message", "client_message_id": "m-3f9a1c2e7b40"}},
        conversation_hint_id=None,
    )


def test_problem_report_event():
    [message] = parse(fixture("problem_report"))
    assert message.external_id == "app:visitor:0f1e2d3c4b5a69788796a5b4c3d2e1f0:m-8e21d0b5c3a9"
    assert message.author == Author(
        kind="app",
        handle="visitor:0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        display_name="",
        profile={"postal_code": "50667"},
    )
    assert message.subject == "Problemmeldung: Internet"
    assert message.extra == {
        "app": {
            "type": "problem_report",
            "client_message_id": "m-8e21d0b5c3a9",
            "category": "internet",
            "category_label": "Internet",
            "postal_code": "50667",
        }
    }


def test_address_change_event():
    [message] = parse(fixture("address_change"))
    assert message.text == "Adressänderung: Domstraße 12, 50668 Köln\nAb dem 1. Dezember."
    assert message.subject == "Adressänderung"
    assert message.author.profile == {}  # an unconfirmed address never fills the customer's
    assert message.extra["app"] == {
        "type": "address_change",
        "client_message_id": "m-c47d9e02aa11",
        "street": "Domstraße 12",
        "postal_code": "50668",
        "city": "Köln",
        "status": "requested",
    }


def test_continuing_event_hints_at_its_conversation():
    payload = fixture("message") | {"conversation_id": 42}
    assert parse(payload)[0].conversation_hint_id == 42


def test_unknown_event_type_is_ignored():
    with pytest.raises(IgnoredEvent, match="unknown app event type 'typing'"):
        parse(fixture("message") | {"type": "typing"})


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"author": None}, "author"),
        ({"author": {"kind": "admin", "handle": "x"}}, "author.kind"),
        ({"text": ""}, "text"),
        ({"client_message_id": "a b"}, "client_message_id"),
        ({"sent_at": "gestern"}, "sent_at"),
        ({"type": "problem_report"}, "problem: a problem report needs its problem data"),
        ({"type": "address_change"}, "address: an address change needs the new address"),
        ({"type": 7}, "type"),
    ],
)
def test_malformed_event_is_rejected(change, detail):
    with pytest.raises(MalformedPayload, match=detail):
        parse(fixture("message") | change)


def test_non_object_is_rejected():
    with pytest.raises(MalformedPayload, match="an app event is a JSON object"):
        parse(["not", "an", "object"])


@pytest.mark.django_db
def test_fixture_through_the_store_first_path_is_stored_once(app_account):
    account = app_account
    raw = RawEvent("app:kunde-4711:m-3f9a1c2e7b40", fixture("message"), "message")
    first = accept_events(account, [raw])
    process_events(first.event_ids)
    second = accept_events(account, [raw])
    assert (first.accepted, second.accepted, second.duplicates) == (1, 0, 1)
    assert InboundEvent.objects.get().status == "processed"
    message = Message.objects.get()
    assert (message.external_id, message.visibility) == ("app:kunde-4711:m-3f9a1c2e7b40", "private")


def test_send_marks_the_reply_deliverable():
    request = OutboundRequest(
        delivery_id=17, idempotency_key="message-9", action="direct_message", text="Hi", is_public=False
    )
    assert adapter.send_outbound(None, request).external_ids == ["app-out-17"]  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(json_values, st.dictionaries(st.sampled_from(sorted(fixture("problem_report"))), json_values))
)
def test_arbitrary_payloads_are_only_rejected_cleanly(payload):
    with contextlib.suppress(MalformedPayload, IgnoredEvent):
        parse(payload)


@settings(deadline=None)
@given(
    st.sampled_from(["message", "problem_report", "address_change"]),
    st.sampled_from(
        ["type", "client_message_id", "author", "text", "conversation_id", "sent_at", "problem", "address"]
    ),
    json_values,
)
def test_mutated_fixtures_are_parsed_or_rejected_cleanly(name, key, value):
    payload = copy.deepcopy(fixture(name))
    payload[key] = value
    with contextlib.suppress(MalformedPayload, IgnoredEvent):
        parse(payload)
