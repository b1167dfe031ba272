"""Incident detection runs in a follow-up task (decision 0879): a message is ready (understood, routed) without
waiting for it, and stays due until it has run, so a lost follow-up is handed out again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import ingest
from resonanz.channels.base import RawEvent
from resonanz.conversations.models import Message, TimelineEntry
from resonanz.incidents.models import ObservedMessage
from resonanz.testing.factories import event
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db

calls: list[tuple[str, list[int]]] = []


def ready_step(ids: list[int]) -> None:
    calls.append(("ready", list(ids)))


def background_step(ids: list[int]) -> None:
    calls.append(("background", list(ids)))


def stored(account) -> list[int]:
    ids = ingest.accept_events(
        account,
        [
            RawEvent(
                f"m{i}", event(f"m{i}", text="Seit heute kein Internet in Köln", handle=f"k{i}"), "message"
            )
            for i in range(3)
        ],
    )
    ingest.process_events(ids.event_ids)
    return list(Message.objects.order_by("id").values_list("id", flat=True))


def test_the_background_steps_run_in_a_follow_up_task_and_only_then_is_a_message_done(
    fake_account, queued, settings
):
    here = __name__
    settings.AFTER_INGEST_STEPS = [f"{here}.background_step", f"{here}.ready_step"]
    settings.AFTER_INGEST_BACKGROUND_STEPS = [f"{here}.background_step"]
    calls.clear()
    ids = stored(fake_account)
    queued.clear()

    ingest.run_after_ingest_steps(ids)
    assert calls == [("ready", ids)]  # listed first, but it waits for the follow-up
    assert queued == [(ingest.AFTER_INGEST_BACKGROUND_TASK, ids)]
    assert Message.objects.filter(after_ingest_pending=True).count() == 3  # not done yet

    ingest.run_background_steps(ids)
    assert calls == [("ready", ids), ("background", ids)]
    assert not Message.objects.filter(after_ingest_pending=True).exists()
    ingest.run_background_steps(ids)  # a second copy finds nothing due
    ingest.run_after_ingest_steps(ids)
    assert len(calls) == 2


def test_without_background_steps_one_task_does_everything(fake_account, queued, settings):
    settings.AFTER_INGEST_STEPS = [f"{__name__}.ready_step"]
    calls.clear()
    ids = stored(fake_account)
    queued.clear()
    ingest.run_after_ingest_steps(ids)
    assert calls == [("ready", ids)]
    assert queued == []
    assert not Message.objects.filter(after_ingest_pending=True).exists()


def test_a_lost_follow_up_is_handed_out_again_and_nothing_counts_twice(fake_account, queued, settings):
    ids = stored(fake_account)  # the default steps: annotate, route; detect in the follow-up
    queued.clear()
    ingest.run_after_ingest_steps(ids)
    assert queued == [(ingest.AFTER_INGEST_BACKGROUND_TASK, ids)]  # ... and lost with its process
    assert not ObservedMessage.objects.exists()
    annotations, entries = Annotation.objects.count(), TimelineEntry.objects.count()

    Message.objects.update(after_ingest_claimed_at=timezone.now() - dt.timedelta(hours=1))
    queued.clear()
    assert ingest.sweep_after_ingest() == 3
    assert queued == [(ingest.AFTER_INGEST_TASK, ids)]
    ingest.run_after_ingest_steps(ids)
    ingest.run_background_steps(ids)
    assert Annotation.objects.count() == annotations
    assert TimelineEntry.objects.count() == entries  # routing kept its decisions
    assert sorted(ObservedMessage.objects.values_list("message_id", flat=True)) == ids
    assert not Message.objects.filter(after_ingest_pending=True).exists()
    ingest.run_background_steps(ids)
    assert ObservedMessage.objects.count() == 3
