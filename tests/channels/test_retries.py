"""Errors that may pass are retried with exponential backoff over hours, not failed in five minutes; operators
retry by command (`resonanz events retry`) and see the counts in /healthz."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from resonanz.channels import ingest
from resonanz.channels.base import RawEvent
from resonanz.channels.fake.adapter import FakeAdapter
from resonanz.channels.models import InboundEvent, OutboundDelivery
from resonanz.conversations.models import Message
from resonanz.testing.factories import event

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_full(monkeypatch):
    """The parser raises OSError (a full disk) until the test repairs it."""
    state = {"broken": True}
    original = FakeAdapter.parse_inbound

    def parse(self, account, raw):
        if state["broken"]:
            raise OSError(28, "No space left on device")
        return original(self, account, raw)

    monkeypatch.setattr(FakeAdapter, "parse_inbound", parse)
    return state


def accept(account, *events):
    return ingest.accept_events(account, [RawEvent(e["id"], e, "message") for e in events]).event_ids


def come_back_when_due(event_id: int) -> None:
    """Time passes until the event's retry time, then the sweeper runs."""
    InboundEvent.objects.filter(pk=event_id).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    ingest.process_events([event_id])


def test_a_transient_error_backs_off_exponentially_for_hours_before_the_event_fails(fake_account, disk_full):
    [event_id] = accept(fake_account, event("a"))
    started = timezone.now()
    ingest.process_events([event_id])
    waits = []
    for _ in range(30):
        stored = InboundEvent.objects.get(pk=event_id)
        if stored.status != "pending":
            break
        assert stored.claimed_at is None
        assert stored.next_attempt_at is not None
        waits.append(round((stored.next_attempt_at - started).total_seconds() / 30) * 30)
        # Not due yet: neither the sweeper nor a stray task touches it.
        assert ingest.sweep_pending(older_than_seconds=0) == 0
        ingest.process_events([event_id])
        assert InboundEvent.objects.get(pk=event_id).attempts == stored.attempts
        started = timezone.now()
        come_back_when_due(event_id)
    stored = InboundEvent.objects.get(pk=event_id)
    assert (stored.status, stored.attempts) == ("failed", 15)
    assert stored.error == "OSError: [Errno 28] No space left on device"
    assert waits == [30, 60, 120, 240, 480, 960, 1920] + [3600] * 7
    assert sum(waits) / 3600 > 8  # hours, not minutes


def test_the_event_goes_through_once_the_error_has_passed(fake_account, disk_full):
    [event_id] = accept(fake_account, event("a"))
    ingest.process_events([event_id])
    ingest.process_events([event_id])
    assert InboundEvent.objects.get(pk=event_id).attempts == 1  # waiting for its backoff
    disk_full["broken"] = False
    come_back_when_due(event_id)
    stored = InboundEvent.objects.get(pk=event_id)
    assert (stored.status, stored.attempts, stored.error, stored.next_attempt_at) == (
        "processed",
        2,
        "",
        None,
    )
    assert Message.objects.get().external_id == "a"


def retry(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("events", "retry", "--json", *args, stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_events_retry_makes_waiting_events_due_and_with_failed_revives_failed_ones(
    fake_account, disk_full, django_capture_on_commit_callbacks
):
    waiting, failed, old = accept(fake_account, event("waiting"), event("failed"), event("old"))
    ingest.process_events([waiting])
    InboundEvent.objects.filter(pk__in=[failed, old]).update(status="failed", attempts=15, error="OSError: …")
    InboundEvent.objects.filter(pk=old).update(received_at=timezone.now() - dt.timedelta(days=3))
    disk_full["broken"] = False

    with django_capture_on_commit_callbacks(execute=True):
        assert retry() == {"requeued": 1, "waiting": 1, "failed": 0, "since": None}
    assert InboundEvent.objects.get(pk=waiting).status == "processed"
    assert InboundEvent.objects.get(pk=failed).status == "failed"  # only with --failed

    with django_capture_on_commit_callbacks(execute=True):
        result = retry("--failed", "--since", "1d")
    assert (result["requeued"], result["waiting"], result["failed"]) == (1, 0, 1)
    assert InboundEvent.objects.get(pk=failed).status == "processed"
    assert InboundEvent.objects.get(pk=old).status == "failed"  # received before --since

    with django_capture_on_commit_callbacks(execute=True):
        assert retry("--failed")["failed"] == 1
    assert list(InboundEvent.objects.values_list("status", flat=True).distinct()) == ["processed"]
    assert Message.objects.count() == 3


def test_events_retry_refuses_a_bad_since_with_exit_code_2(db):
    with pytest.raises(CommandError, match="--since 'gestern'") as error:
        call_command("events", "retry", "--since", "gestern")
    assert error.value.returncode == 2


def test_healthz_counts_events_waiting_to_retry_and_failed_events_and_deliveries(
    client, fake_account, disk_full, settings
):
    settings.HEALTH_TOKEN = "health-token"
    waiting, failed = accept(fake_account, event("waiting"), event("failed"))
    ingest.process_events([waiting])
    InboundEvent.objects.filter(pk=failed).update(status="failed")
    OutboundDelivery.objects.create(channel_account=fake_account, idempotency_key="k", status="failed")
    counts = client.get("/healthz?fresh=1", headers={"Authorization": "Bearer health-token"}).json()["counts"]
    assert (counts["events_pending"], counts["events_retrying"], counts["events_failed"]) == (1, 1, 1)
    assert counts["deliveries_failed"] == 1
