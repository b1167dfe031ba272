"""A delivery the platform accepted is never sent again; every path counts attempts; after the cap the
delivery is failed with the reason, the agent sees it and can send it again (decision 0523)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import outbound
from resonanz.channels.base import RawEvent, SendResult
from resonanz.channels.fake.adapter import FakeAdapter
from resonanz.channels.ingest import accept_events, process_events
from resonanz.channels.models import DeliveryAttempt, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Message, TimelineEntry
from resonanz.testing.factories import MessageFactory, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(fake_account, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        process_events(accept_events(fake_account, [RawEvent("a", event("a"), "message")]).event_ids)
    return Message.objects.get().conversation


@pytest.fixture
def platform(monkeypatch):
    """The fake platform's sends, counted; it answers with the id "taken" when told to."""
    sent: list[str] = []
    state = {"answer": ""}

    def send(self, account, request):
        sent.append(request.idempotency_key)
        return SendResult(external_ids=[state["answer"] or f"fake-out-{request.idempotency_key}"])

    monkeypatch.setattr(FakeAdapter, "send_outbound", send)
    return sent, state


def reply(agent, conversation, capture) -> OutboundDelivery:
    with capture(execute=False):
        message = do_send_reply(agent, conversation, "Wir schauen nach.")
    return OutboundDelivery.objects.get(message=message)


def time_passes_and_the_sweeper_runs() -> None:
    OutboundDelivery.objects.filter(status="sending").update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=outbound.STUCK_AFTER_SECONDS + 1)
    )
    OutboundDelivery.objects.filter(status="pending").update(next_attempt_at=None)
    outbound.sweep_deliveries()


def test_an_error_after_the_platform_accepted_never_sends_it_again(
    agent, conversation, fake_account, platform, django_capture_on_commit_callbacks
):
    sent, state = platform
    # The platform answers with an id that another stored message already has: storing it on the reply
    # clashes with the unique constraint after the platform accepted.
    MessageFactory(conversation=conversation, channel_account=fake_account, external_id="taken")
    state["answer"] = "taken"
    delivery = reply(agent, conversation, django_capture_on_commit_callbacks)
    assert outbound.send_delivery(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.external_ids) == ("sent", ["taken"])
    for _ in range(3):
        time_passes_and_the_sweeper_runs()
        assert outbound.send_delivery(delivery.pk) == "gone"
    assert sent == [delivery.idempotency_key]


def test_a_worker_dying_after_every_claim_is_capped_and_failed_with_the_reason(
    agent, conversation, platform, django_capture_on_commit_callbacks, monkeypatch
):
    sent, _ = platform
    delivery = reply(agent, conversation, django_capture_on_commit_callbacks)

    def record_then_die(*args, **kwargs):
        raise RuntimeError("worker killed before it recorded the answer")

    monkeypatch.setattr(outbound, "_record_sent", record_then_die)
    for _ in range(outbound.MAX_SEND_ATTEMPTS):
        with pytest.raises(RuntimeError):
            outbound.send_delivery(delivery.pk)
        time_passes_and_the_sweeper_runs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", outbound.MAX_SEND_ATTEMPTS)
    assert delivery.last_error.startswith("gave up after 6 attempts: the sending worker stopped")
    assert DeliveryAttempt.objects.get(delivery=delivery).outcome == "failed"
    assert len(sent) == outbound.MAX_SEND_ATTEMPTS
    time_passes_and_the_sweeper_runs()
    assert outbound.send_delivery(delivery.pk) == "gone"
    assert len(sent) == outbound.MAX_SEND_ATTEMPTS


def fail(delivery: OutboundDelivery, reason: str) -> None:
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=6, last_error=reason)


def test_the_agent_sees_a_failed_delivery_with_its_reason_and_sends_it_again(
    agent, agent_client, conversation, platform, django_capture_on_commit_callbacks
):
    sent, _ = platform
    delivery = reply(agent, conversation, django_capture_on_commit_callbacks)
    fail(delivery, "X: 403 You are not permitted to reply to this post.")
    page = agent_client.get(f"/conversations/{conversation.pk}/").content.decode()
    assert (
        '✗ fehlgeschlagen: <span class="delivery-error">X: 403 You are not permitted to reply to this post.'
        in page
    )
    retry_url = f"/conversations/{conversation.pk}/messages/{delivery.message_id}/delivery/retry"
    assert retry_url in page

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(retry_url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-delivery="pending"' in response.content.decode()  # htmx polls it from here
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert sent == [delivery.idempotency_key]
    assert TimelineEntry.objects.filter(kind="delivery_retried", actor=agent).count() == 1


def test_api_shows_the_reason_and_retries_only_failed_deliveries(
    agent, client, conversation, platform, django_capture_on_commit_callbacks
):
    from resonanz.workspaces.actions import do_create_api_token

    _, token = do_create_api_token(agent, "test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    delivery = reply(agent, conversation, django_capture_on_commit_callbacks)
    url = f"/api/conversations/{conversation.pk}/messages/{delivery.message_id}/retry"
    assert client.post(url, **headers).status_code == 409  # pending: still on its way
    fail(delivery, "SMTP 550 mailbox unavailable")
    messages = client.get(f"/api/conversations/{conversation.pk}/messages", **headers).json()
    assert (messages[-1]["delivery_status"], messages[-1]["delivery_error"]) == (
        "failed",
        "SMTP 550 mailbox unavailable",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, **headers)
    assert response.status_code == 202
    assert (response.json()["delivery_status"], response.json()["delivery_error"]) == ("pending", None)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert client.post(url, **headers).status_code == 409  # sent is never sent twice
