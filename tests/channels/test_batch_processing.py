"""The set-based batch path of process_events: same threading rules as one-by-one, constant query count."""

from __future__ import annotations

import pytest
from django.db import connection

from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events, process_events
from resonanz.channels.models import InboundEvent
from resonanz.conversations import inbound
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.testing.factories import event
from resonanz.testing.helpers import assert_database_query_count

pytestmark = pytest.mark.django_db


def accept(account, *events):
    """Store raw events without processing them (the queue's task is not run)."""
    result = accept_events(account, [RawEvent(e["id"], e, "message") for e in events])
    return result.event_ids


def test_reply_to_a_message_in_the_same_batch_joins_its_conversation(fake_account):
    ids = accept(
        fake_account, event("a", handle="anna"), event("b", "Bei mir auch", handle="bob", reply_to="a")
    )
    process_events(ids)
    first, second = Message.objects.order_by("id")
    assert second.conversation_id == first.conversation_id
    assert second.reply_to_id == first.pk
    conversation = Conversation.objects.get()
    assert conversation.message_count == 2
    # Bob answered in Anna's thread: shown there as a participant, never the recipient of replies.
    assert list(TimelineEntry.objects.order_by("id").values_list("kind", flat=True)) == [
        "created",
        "participant",
    ]
    assert second.extra == {"participant": True}


def test_same_new_customer_twice_in_one_batch_gets_one_conversation(fake_account):
    ids = accept(
        fake_account,
        event("a", handle="anna"),
        event("b", "Hallo??", handle="anna"),
        event("c", handle="carl"),
    )
    process_events(ids)
    anna = Conversation.objects.get(customer__identities__handle="anna")
    assert anna.message_count == 2
    assert Conversation.objects.count() == 2


@pytest.mark.parametrize(
    ("before", "after", "timeline"),
    [("pending", "open", []), ("solved", "open", ["reopened"]), ("open", "open", [])],
)
def test_follow_up_updates_existing_conversation(fake_account, before, after, timeline):
    process_events(accept(fake_account, event("a", handle="anna")))
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(status=before)
    process_events(accept(fake_account, event("b", "Und?", handle="anna", reply_to="a")))
    conversation.refresh_from_db()
    assert conversation.status == after
    assert conversation.message_count == 2
    assert list(TimelineEntry.objects.exclude(kind="created").values_list("kind", flat=True)) == timeline


def test_closed_conversation_is_not_reopened_a_new_one_starts(fake_account):
    process_events(accept(fake_account, event("a", handle="anna")))
    Conversation.objects.update(status="closed")
    process_events(accept(fake_account, event("b", "Schon wieder kaputt", handle="anna", reply_to="a")))
    assert Conversation.objects.count() == 2
    assert Conversation.objects.get(status="new").messages.get().external_id == "b"


def test_failure_in_the_batch_path_falls_back_to_one_by_one(fake_account, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated")

    monkeypatch.setattr(inbound, "store_inbound_batch", broken)
    ids = accept(fake_account, event("a", handle="anna"), event("b", handle="bob", reply_to="a"))
    process_events(ids)
    assert Message.objects.count() == 2
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    assert (
        Message.objects.get(external_id="b").conversation_id
        == Message.objects.get(external_id="a").conversation_id
    )


def test_one_unparseable_event_does_not_stop_the_batch(fake_account):
    ids = accept(fake_account, event("a", handle="anna"))
    bad = InboundEvent.objects.create(
        channel_account=fake_account,
        external_id="bad",
        payload={"id": "bad"},
        received_at=InboundEvent.objects.get().received_at,
    )
    process_events([*ids, bad.pk])
    assert Message.objects.count() == 1
    bad.refresh_from_db()
    assert bad.status == "failed"
    assert bad.error.startswith("malformed: author")


@pytest.mark.parametrize("size", [10, 40])  # SQLite splits inserts past 999 parameters
def test_query_count_does_not_grow_with_batch_size(fake_account, size):
    # Half new customers, half follow-ups to existing conversations.
    process_events(accept(fake_account, *[event(f"seed-{i}", handle=f"k{i}") for i in range(size // 2)]))
    ids = accept(fake_account, *[event(f"e-{i}", handle=f"k{i}") for i in range(size)])
    # 1 savepoint pair + select events + channel accounts + known messages + identities + customers/identities insert + parents
    # + identities re-select + open conversations + conversations insert + messages insert + counter
    # update + timeline insert + the SLA policy for new conversations
    # + event outcome update; PostgreSQL: + "commit without waiting for the disk" + the counter rows locked
    # in id order; + the claim in its own commit (savepoint pair + select + update, decision 0521)
    with assert_database_query_count(24 if connection.vendor == "postgresql" else 22):
        process_events(ids)
    assert Message.objects.count() == size + size // 2


def test_batch_path_starts_sla_clocks_like_the_one_by_one_path(fake_account):
    process_events(accept(fake_account, event("a", handle="anna")))
    batch = Conversation.objects.get()
    assert batch.first_response_due_at is not None
    assert batch.resolution_due_at is not None
    assert batch.first_response_due_at <= batch.resolution_due_at


def test_a_full_batch_takes_pending_events_along_and_each_is_processed_once(
    fake_account, monkeypatch, settings
):
    from resonanz.channels import ingest

    monkeypatch.setattr(ingest, "PROCESS_BATCH", 5)
    settings.INGEST_TAKE_ALONG = 3
    first = accept(fake_account, *[event(f"a-{i}", handle=f"a{i}") for i in range(5)])
    second = accept(fake_account, *[event(f"b-{i}", handle=f"b{i}") for i in range(4)])
    assert len(process_events(first)) == 8  # its own five and the three oldest of the backlog
    assert InboundEvent.objects.filter(status="pending").count() == 1
    assert len(process_events(second)) == 1  # the second task finds only what is left
    assert process_events(first + second) == []
    assert Message.objects.count() == 9
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(
        [f"a-{i}" for i in range(5)] + [f"b-{i}" for i in range(4)]
    )


def test_a_batch_that_is_not_full_leaves_the_backlog_to_its_tasks(fake_account):
    first = accept(fake_account, event("a", handle="anna"))
    accept(fake_account, event("b", handle="bob"))
    assert len(process_events(first)) == 1
    assert InboundEvent.objects.filter(status="pending").count() == 1


@pytest.mark.parametrize(("size", "tasks"), [(100, [100]), (40, [40, 40, 20])])
def test_after_ingest_tasks_take_settings_after_ingest_batch_messages(
    fake_account, monkeypatch, settings, size, tasks
):
    """Decision 0833: one after-ingest task per AFTER_INGEST_BATCH new messages."""
    from resonanz.channels import ingest

    settings.AFTER_INGEST_STEPS = ["resonanz.routing.pipeline.route_messages"]
    settings.AFTER_INGEST_BATCH = size
    ids = accept(fake_account, *[event(f"n-{i}", handle=f"k{i}") for i in range(100)])
    queued = []
    monkeypatch.setattr(ingest, "enqueue", lambda name, *args: queued.append((name, args)))
    process_events(ids)
    assert [len(args[0]) for name, args in queued if name == ingest.AFTER_INGEST_TASK] == tasks
