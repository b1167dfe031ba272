"""The after-ingest sweeper hands out only what no live task holds: a task that is still queued behind a
backlog (or running) is not doubled every sweep (decision 0524)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import ingest
from resonanz.channels.base import RawEvent
from resonanz.conversations.models import Message
from resonanz.testing.factories import event

pytestmark = pytest.mark.django_db


def stored_minutes_ago(account, minutes: float) -> list[int]:
    ids = ingest.accept_events(
        account, [RawEvent(f"m{i}", event(f"m{i}", handle=f"k{i}"), "message") for i in range(3)]
    )
    ingest.process_events(ids.event_ids)
    Message.objects.update(received_at=timezone.now() - dt.timedelta(minutes=minutes))
    return list(Message.objects.order_by("id").values_list("id", flat=True))


def after_ingest_tasks(tasks) -> list[list[int]]:
    return [ids for name, ids in tasks if name == ingest.AFTER_INGEST_TASK]


def test_messages_whose_task_is_still_queued_are_not_handed_out_again(fake_account, queued):
    ids = stored_minutes_ago(fake_account, 2)  # older than the sweep interval, the task waits in a backlog
    assert after_ingest_tasks(queued) == [ids]
    assert ingest.sweep_after_ingest() == 0
    assert after_ingest_tasks(queued) == [ids]


def test_a_lost_task_is_handed_out_once_per_lease_not_every_sweep(fake_account, queued, settings):
    ids = stored_minutes_ago(fake_account, settings.AFTER_INGEST_LEASE_SECONDS / 60 + 1)
    assert ingest.sweep_after_ingest() == 3
    assert ingest.sweep_after_ingest() == 0  # the re-queued task holds them now
    assert ingest.sweep_after_ingest() == 0
    assert after_ingest_tasks(queued) == [ids, ids]
    # The lease runs out (the re-queued task was lost as well): handed out once more.
    Message.objects.update(after_ingest_claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert ingest.sweep_after_ingest() == 3


def test_a_task_that_starts_renews_the_lease_and_a_second_task_does_nothing(fake_account, queued, settings):
    settings.AFTER_INGEST_STEPS = ["resonanz.understanding.pipeline.annotate_messages"]
    ids = stored_minutes_ago(fake_account, 60)
    ingest.run_after_ingest_steps(ids)
    assert not Message.objects.filter(after_ingest_pending=True).exists()
    claimed = list(Message.objects.values_list("after_ingest_claimed_at", flat=True))
    assert all(moment is not None and timezone.now() - moment < dt.timedelta(minutes=1) for moment in claimed)
    ingest.run_after_ingest_steps(ids)  # the sweeper's copy, late: nothing due, nothing touched
    assert list(Message.objects.values_list("after_ingest_claimed_at", flat=True)) == claimed
    assert ingest.sweep_after_ingest(older_than_seconds=0) == 0


def test_a_task_that_starts_soon_after_storing_writes_no_lease(fake_account, queued, settings):
    """The lease is renewed only where less than half of it is left (decision 0884): the usual task, started
    seconds after its messages were stored, does not rewrite their rows — and the sweeper still leaves
    them alone."""
    settings.AFTER_INGEST_STEPS = ["resonanz.understanding.pipeline.annotate_messages"]
    ids = stored_minutes_ago(fake_account, settings.AFTER_INGEST_LEASE_SECONDS / 60 / 2 - 1)
    ingest.run_after_ingest_steps(ids)
    assert list(Message.objects.values_list("after_ingest_claimed_at", flat=True)) == [None] * 3
    assert not Message.objects.filter(after_ingest_pending=True).exists()
    assert ingest.sweep_after_ingest() == 0


def test_a_task_started_late_in_its_lease_renews_it(fake_account, queued, settings):
    ids = stored_minutes_ago(fake_account, settings.AFTER_INGEST_LEASE_SECONDS / 60 / 2 + 1)
    ingest._due(ids)
    claimed = list(Message.objects.values_list("after_ingest_claimed_at", flat=True))
    assert all(moment is not None and timezone.now() - moment < dt.timedelta(minutes=1) for moment in claimed)
    assert ingest.sweep_after_ingest(older_than_seconds=settings.AFTER_INGEST_LEASE_SECONDS) == 0
