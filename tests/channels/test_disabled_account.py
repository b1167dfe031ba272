"""A disabled channel account refuses events with a clear 403 and holds its deliveries until it is enabled
again (decision 0520)."""

from __future__ import annotations

import pytest

from resonanz.channels import outbound
from resonanz.channels.actions import do_mark_channel_health, do_set_channel_enabled
from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events, process_events
from resonanz.channels.models import ChannelAccount, InboundEvent, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Message
from resonanz.core.errors import ChannelDisabled
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import event
from resonanz.testing.helpers import signed_post

pytestmark = pytest.mark.django_db


def disable(account) -> None:
    ChannelAccount.objects.filter(pk=account.pk).update(status=ChannelAccount.Status.DISABLED)
    account.status = ChannelAccount.Status.DISABLED


def test_webhook_of_a_disabled_account_answers_403_and_stores_nothing(client, fake_account):
    disable(fake_account)
    response = signed_post(client, f"/api/channels/{fake_account.pk}/events", "test-secret", event("a"))
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"channel account {fake_account.pk} is disabled: it accepts no events until an admin enables it"
    }
    assert not InboundEvent.objects.exists()
    assert client.get(f"/api/channels/{fake_account.pk}/events?crc_token=abc").status_code == 403


def test_pollers_and_other_ways_in_are_refused_too(fake_account):
    disable(fake_account)
    with pytest.raises(ChannelDisabled):
        accept_events(fake_account, [RawEvent("a", event("a"), "message")])
    assert not InboundEvent.objects.exists()


def test_deliveries_of_a_disabled_account_wait_and_are_sent_once_it_is_enabled(
    agent, fake_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        process_events(accept_events(fake_account, [RawEvent("a", event("a"), "message")]).event_ids)
    conversation = Message.objects.get().conversation
    disable(fake_account)
    with django_capture_on_commit_callbacks(execute=True):
        message = do_send_reply(agent, conversation, "Wir schauen nach.")
    delivery = OutboundDelivery.objects.get(message=message)
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert outbound.send_delivery(delivery.pk) == "gone"
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound.sweep_deliveries() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.external_ids) == ("pending", 0, [])

    with django_capture_on_commit_callbacks(execute=True):
        do_set_channel_enabled(fake_account, enabled=True, actor=agent)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert delivery.external_ids == [f"fake-out-{delivery.idempotency_key}"]
    assert list(AuditEntry.objects.values_list("action", "actor_id")) == [("channel.enabled", agent.pk)]


def test_a_poll_that_ends_after_the_account_was_disabled_does_not_enable_it(fake_account):
    disable(fake_account)
    stale = ChannelAccount.objects.get(pk=fake_account.pk)
    stale.status = ChannelAccount.Status.UNHEALTHY  # what the poll read before the admin disabled it
    do_mark_channel_health(stale, healthy=True)
    fake_account.refresh_from_db()
    assert fake_account.status == "disabled"
