# mypy: disable-error-code="arg-type,misc,comparison-overlap,operator,union-attr"
"""The response-rate watch of public channel accounts: counts, the unanswered list, alerts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from resonanz.analytics.access import Counts, response_rate
from resonanz.analytics.actions import do_check_response_rate, do_check_response_rates
from resonanz.analytics.models import ResponseRateAlert
from resonanz.conversations.actions import do_mark_answered
from resonanz.conversations.models import Message, Notification
from resonanz.core.models import AuditEntry
from resonanz.core.scheduler import registered_jobs
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.testing.helpers import assert_database_query_count

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=BERLIN)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def post(conversation, created_at, visibility="public"):
    return MessageFactory(conversation=conversation, created_at=created_at, visibility=visibility)


def answer(conversation, created_at, visibility="public"):
    """An agent's reply at `created_at` (or a note), stamped as do_send_reply stamps it."""
    message = MessageFactory(
        conversation=conversation,
        direction="out",
        created_at=created_at,
        visibility=visibility,
        external_id="",
    )
    if visibility != "note":
        do_mark_answered(conversation.pk, created_at)
    return message


@pytest.fixture
def posts(fake_account):
    thread = ConversationFactory(channel_account=fake_account, status="open")
    first = post(thread, at("2026-11-22 09:10"))
    answer(thread, at("2026-11-22 09:30"))  # 20 minutes: in time
    second = post(thread, at("2026-11-22 09:40"))
    answer(thread, at("2026-11-22 11:00"))  # 80 minutes: late
    waiting = ConversationFactory(channel_account=fake_account, status="open")
    unanswered = post(waiting, at("2026-11-23 08:05"))
    post(waiting, at("2026-11-23 08:06"), visibility="private")  # a DM is no public post
    noted = ConversationFactory(channel_account=fake_account, status="solved")
    post(noted, at("2026-11-23 08:20"))
    answer(noted, at("2026-11-23 08:25"), visibility="note")  # a note answers nobody
    post(ConversationFactory(channel_account=fake_account), at("2026-11-21 10:00"))  # before the period
    private_account = ChannelAccountFactory(workspace=fake_account.workspace, is_public=False)
    post(ConversationFactory(channel_account=private_account), at("2026-11-23 09:00"))
    return first, second, unanswered


def test_counts_per_day_and_hour(agent, fake_account, posts):
    report = response_rate(agent, None, 2, now=NOW)
    assert report.channel_account_ids == [fake_account.pk]
    assert report.since == at("2026-11-22 00:00")
    assert report.total == Counts(received=4, answered=2, answered_within_target=1)
    assert report.total.answered_share == 0.5
    assert report.by_day == [
        (dt.date(2026, 11, 22), Counts(2, 2, 1)),
        (dt.date(2026, 11, 23), Counts(2, 0, 0)),
    ]
    assert report.by_hour == [(8, Counts(2, 0, 0)), (9, Counts(2, 2, 1))]
    assert [m.pk for m in report.unanswered] == [posts[2].pk]


def test_target_comes_from_the_workspace(agent, workspace, posts):
    workspace.settings = {"response_target_minutes": 90}
    workspace.save()
    agent.refresh_from_db()
    assert response_rate(agent, None, 2, now=NOW).total == Counts(4, 2, 2)


def test_api_answers_in_a_fixed_number_of_queries(agent_client, fake_account):
    now = timezone.now()
    conversation = ConversationFactory(channel_account=fake_account)
    post(conversation, now - dt.timedelta(minutes=30))
    answer(conversation, now - dt.timedelta(minutes=20))
    waiting = post(ConversationFactory(channel_account=fake_account), now - dt.timedelta(minutes=10))
    with assert_database_query_count(7):  # session, user, agent; accounts, counts, unanswered, alerts
        # days=2: "days=1" is today since local midnight, and the posts above may fall before it near 00:30.
        response = agent_client.get(f"/api/analytics/response-rate?channel_account={fake_account.pk}&days=2")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == {
        "received": 2,
        "answered": 1,
        "answered_within_target": 1,
        "answered_share": 0.5,
        "answered_within_target_share": 0.5,
    }
    assert body["threshold"] == 0.8
    assert body["target_minutes"] == 60
    assert body["below_threshold"] is True
    assert [(u["message_id"], u["waiting_minutes"]) for u in body["unanswered"]] == [(waiting.pk, 10)]
    assert body["alerts"] == []


def test_api_permissions(client, agent_client, fake_account):
    private_account = ChannelAccountFactory(workspace=fake_account.workspace, is_public=False)
    stranger = Client()
    assert stranger.login(
        username=AgentFactory(workspace=WorkspaceFactory(slug="andere")).user.username, password=PASSWORD
    )
    url = "/api/analytics/response-rate"
    assert client.get(f"{url}?channel_account={fake_account.pk}").status_code == 401
    assert stranger.get(f"{url}?channel_account={fake_account.pk}").status_code == 404
    assert agent_client.get(f"{url}?channel_account={private_account.pk}").status_code == 404
    assert agent_client.get(f"{url}?days=0").status_code == 400
    assert agent_client.get(f"{url}?days=91").status_code == 400
    assert stranger.get(url).json()["channel_account_ids"] == []


def recent_posts(account, count: int, answered: int, now: dt.datetime):
    for index in range(count):
        conversation = ConversationFactory(channel_account=account)
        post(conversation, now - dt.timedelta(hours=3))
        if index < answered:
            answer(conversation, now - dt.timedelta(hours=2, minutes=50))


def test_alert_when_the_share_drops_and_resolve_when_it_recovers(workspace, fake_account):
    lead = AgentFactory(workspace=workspace, role="lead")
    AgentFactory(workspace=workspace, role="agent")
    now = timezone.now()
    recent_posts(fake_account, 5, 2, now)

    alert = do_check_response_rate(fake_account, now)

    assert alert is not None
    assert (alert.received, alert.answered, alert.answered_share, alert.threshold) == (5, 2, 0.4, 0.8)
    assert alert.window_end == now - dt.timedelta(minutes=60)
    audit = AuditEntry.objects.get()
    assert (audit.action, audit.object_type, audit.object_id) == (
        "response_rate.alert",
        "channel_account",
        fake_account.pk,
    )
    notification = Notification.objects.get()
    assert (notification.agent, notification.kind) == (lead, "response_rate_alert")
    assert notification.data["answered_share"] == 0.4

    assert do_check_response_rate(fake_account, now) is None  # one open alert per channel account
    assert ResponseRateAlert.objects.count() == 1
    assert Notification.objects.count() == 1

    for message in Message.objects.filter(direction="in").exclude(conversation__messages__direction="out"):
        answer(message.conversation, now - dt.timedelta(hours=2, minutes=40))
    assert do_check_response_rate(fake_account, now) is None
    alert.refresh_from_db()
    assert alert.resolved_at == now
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "response_rate.alert",
        "response_rate.recovered",
    ]


@pytest.mark.parametrize(
    ("workspace_settings", "count", "answered", "alerts"),
    [
        ({}, 4, 0, 0),  # too few posts to judge
        ({"response_rate_min_posts": 2}, 4, 0, 1),
        ({"response_rate_threshold": 0.3}, 5, 2, 0),
        ({"response_rate_threshold": 0.5}, 5, 2, 1),
        ({}, 5, 4, 0),
    ],
)
def test_threshold_and_minimum_from_workspace_settings(
    workspace, fake_account, workspace_settings, count, answered, alerts
):
    workspace.settings = workspace_settings
    workspace.save()
    AgentFactory(workspace=workspace)
    recent_posts(fake_account, count, answered, timezone.now())
    assert do_check_response_rates() == alerts
    assert ResponseRateAlert.objects.count() == alerts


def test_watch_is_a_periodic_job():
    assert registered_jobs()["analytics.response_rate_watch"].every_seconds == 600


def test_a_reply_stamps_earlier_posts_and_a_note_does_not(agent_client, fake_account):
    conversation = ConversationFactory(channel_account=fake_account)
    earlier = post(conversation, timezone.now() - dt.timedelta(minutes=10))

    noted = agent_client.post(
        f"/api/conversations/{conversation.pk}/notes", {"text": "@jemand?"}, content_type="application/json"
    )
    earlier.refresh_from_db()
    assert noted.status_code == 201
    assert earlier.answered_at is None

    replied = agent_client.post(
        f"/api/conversations/{conversation.pk}/replies",
        {"text": "Wir schauen nach."},
        content_type="application/json",
    )
    assert replied.status_code == 201
    reply = Message.objects.get(pk=replied.json()["id"])
    later = post(conversation, timezone.now() + dt.timedelta(minutes=1))
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert earlier.answered_at == reply.created_at
    assert earlier.response_seconds == int((reply.created_at - earlier.created_at).total_seconds())
    assert later.answered_at is None
