# mypy: disable-error-code="arg-type,misc,comparison-overlap,operator"
"""SLA clocks: set when a conversation is created, paused while pending, warnings and breaches recorded."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from resonanz.conversations.actions import do_apply_sla, do_change_status, do_record_sla_events
from resonanz.conversations.models import Conversation, SlaPolicy, TimelineEntry
from resonanz.conversations.sla import DEFAULT_TARGETS, SlaTargets, targets_for
from resonanz.core.scheduler import registered_jobs
from resonanz.testing.factories import ConversationFactory, event
from resonanz.testing.helpers import signed_post

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _only_these_pipeline_steps(settings):
    # These tests fix the priority; the annotators (which raise it for urgent text) are tested elsewhere.
    settings.AFTER_INGEST_STEPS = []


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def push(client, account, *events):
    response = signed_post(
        client, f"/api/channels/{account.pk}/events", "test-secret", {"events": list(events)}
    )
    assert response.status_code == 200


def test_new_conversation_gets_default_clocks_in_business_hours(
    client, fake_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        push(client, fake_account, event("t-1", created_at="2026-11-23T10:00:00+01:00"))  # a Monday
    conversation = Conversation.objects.get()
    assert conversation.priority == Conversation.Priority.NORMAL
    assert conversation.first_response_due_at == at("2026-11-23 14:00")  # 240 business minutes
    assert conversation.first_response_warn_at == at("2026-11-23 13:45")
    assert conversation.resolution_due_at == at("2026-11-26 10:00")  # 3 days of 10 hours
    assert conversation.resolution_warn_at == at("2026-11-26 09:45")
    assert conversation.sla_paused_at is None


def test_policy_and_federal_state_of_the_workspace_apply(
    client, workspace, fake_account, django_capture_on_commit_callbacks
):
    workspace.settings = {"federal_state": "BY"}
    workspace.save()
    SlaPolicy.objects.create(
        workspace=workspace, channel_kind="fake", first_response_minutes=120, resolution_minutes=600
    )
    with django_capture_on_commit_callbacks(execute=True):
        push(client, fake_account, event("t-1", created_at="2026-01-05T17:00:00+01:00"))  # Epiphany follows
    conversation = Conversation.objects.get()
    assert conversation.first_response_due_at == at("2026-01-07 09:00")
    assert conversation.resolution_due_at == at("2026-01-07 17:00")


@pytest.mark.parametrize(
    ("policies", "kind", "priority", "expected"),
    [
        ([], "x", 1, DEFAULT_TARGETS[1]),
        ([], "x", 3, SlaTargets(30, 240)),
        ([("", None, 100)], "x", 3, SlaTargets(100, 1000)),
        ([("", None, 100), ("", 3, 200)], "x", 3, SlaTargets(200, 2000)),
        ([("", 3, 200), ("x", None, 300)], "x", 3, SlaTargets(300, 3000)),
        ([("x", None, 300), ("x", 3, 400)], "x", 3, SlaTargets(400, 4000)),
        ([("x", 3, 400), ("email", 3, 500)], "email", 3, SlaTargets(500, 5000)),
        ([("x", 3, 400)], "email", 3, DEFAULT_TARGETS[3]),
        ([("x", 2, 400)], "x", 3, DEFAULT_TARGETS[3]),
    ],
)
def test_the_most_specific_policy_wins(workspace, policies, kind, priority, expected):
    for channel_kind, policy_priority, minutes in policies:
        SlaPolicy.objects.create(
            workspace=workspace,
            channel_kind=channel_kind,
            priority=policy_priority,
            first_response_minutes=minutes,
            resolution_minutes=minutes * 10,
        )
    assert targets_for(workspace.pk, kind, priority) == expected


def test_pending_pauses_the_clocks_and_resuming_pushes_them_by_the_pause(agent, fake_account):
    conversation = ConversationFactory(channel_account=fake_account, created_at=at("2026-11-23 10:00"))
    do_apply_sla(conversation)
    assert conversation.first_response_due_at == at("2026-11-23 14:00")

    do_change_status(agent, conversation, "pending", now=at("2026-11-23 11:00"))
    conversation.refresh_from_db()
    assert conversation.sla_paused_at == at("2026-11-23 11:00")
    assert conversation.first_response_due_at == at("2026-11-23 14:00")

    do_change_status(agent, conversation, "open", now=at("2026-11-24 11:00"))  # one business day later
    conversation.refresh_from_db()
    assert conversation.sla_paused_at is None
    assert conversation.first_response_due_at == at("2026-11-24 14:00")
    assert conversation.first_response_warn_at == at("2026-11-24 13:45")
    assert conversation.resolution_due_at == at("2026-11-27 10:00")


def test_pause_after_a_breach_keeps_the_breach(agent, fake_account):
    conversation = ConversationFactory(channel_account=fake_account, created_at=at("2026-11-23 10:00"))
    do_apply_sla(conversation)
    do_change_status(agent, conversation, "pending", now=at("2026-11-23 15:00"))
    do_change_status(agent, conversation, "open", now=at("2026-11-24 15:00"))
    conversation.refresh_from_db()
    assert conversation.first_response_due_at == at("2026-11-23 14:00")
    assert conversation.resolution_due_at == at("2026-11-27 10:00")


def test_customer_answer_ends_the_pause(client, fake_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        push(client, fake_account, event("t-1", created_at="2026-11-23T10:00:00+01:00"))
    conversation = Conversation.objects.get()
    do_change_status(None, conversation, "pending", now=at("2026-11-23 11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        push(client, fake_account, event("t-2", "Geht wieder nicht", reply_to="t-1"))
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert conversation.sla_paused_at is None
    assert conversation.resolution_due_at > at("2026-11-26 10:00")


def test_watch_records_each_warning_and_breach_once(fake_account):
    now = at("2026-11-23 12:00")
    hour = dt.timedelta(hours=1)
    warned = ConversationFactory(
        channel_account=fake_account, first_response_warn_at=now - hour, first_response_due_at=now + hour
    )
    breached = ConversationFactory(
        channel_account=fake_account,
        status="open",
        first_response_warn_at=now - 2 * hour,
        first_response_due_at=now - hour,
    )
    resolution = ConversationFactory(
        channel_account=fake_account,
        status="open",
        first_responded_at=now - 3 * hour,
        resolution_due_at=now - hour,
    )
    ConversationFactory(channel_account=fake_account, status="pending", first_response_due_at=now - hour)
    ConversationFactory(channel_account=fake_account, status="solved", resolution_due_at=now - hour)
    ConversationFactory(
        channel_account=fake_account, first_responded_at=now - 3 * hour, first_response_due_at=now - hour
    )

    assert do_record_sla_events(now) == 3
    assert do_record_sla_events(now) == 0

    entries = sorted(
        (e.conversation_id, e.kind, e.data["target"]) for e in TimelineEntry.objects.order_by("id")
    )
    assert entries == sorted(
        [
            (warned.pk, "sla_warning", "first_response"),
            (breached.pk, "sla_breached", "first_response"),
            (resolution.pk, "sla_breached", "resolution"),
        ]
    )
    assert TimelineEntry.objects.get(conversation=breached).data == {
        "target": "first_response",
        "due_at": (now - hour).astimezone(dt.UTC).isoformat(),
    }
    breached.refresh_from_db()
    assert breached.first_response_breached_at == now - hour
    assert breached.first_response_warn_at is None
    warned.refresh_from_db()
    assert warned.first_response_warn_at is None
    assert warned.first_response_breached_at is None


def test_watch_is_a_periodic_job():
    assert registered_jobs()["conversations.sla_watch"].every_seconds == 60
