"""Facebook outbound against the fake Graph API: comment replies, private replies, hiding, faults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import outbound
from resonanz.channels.facebook.actions import do_hide_facebook_comment
from resonanz.channels.facebook.adapter import sign_body
from resonanz.channels.facebook.client import GraphClient
from resonanz.channels.models import ChannelAccount, DeliveryAttempt, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the send path catches it."""


@pytest.fixture
def comment(client, fake_facebook, facebook_account, django_capture_on_commit_callbacks):
    post = fake_facebook.add_post("Wartungsarbeiten heute Nacht in Köln")
    platform_comment = fake_facebook.add_comment(post["id"], "Seit heute früh kein Internet!")
    body = fake_facebook.comment_webhook(platform_comment)
    import json

    raw = json.dumps(body).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/channels/{facebook_account.pk}/events",
            data=raw,
            content_type="application/json",
            headers=sign_body("app-secret", raw),
        )
    assert response.json() == {"accepted": 1, "duplicates": 0}
    return Message.objects.get(external_id=platform_comment["id"])


@pytest.fixture
def messenger_message(client, fake_facebook, facebook_account, django_capture_on_commit_callbacks):
    import json

    raw = json.dumps(
        fake_facebook.messenger_webhook("7412589630001234", "Rechnung doppelt abgebucht")
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/channels/{facebook_account.pk}/events",
            data=raw,
            content_type="application/json",
            headers=sign_body("app-secret", raw),
        )
    return Message.objects.get(text="Rechnung doppelt abgebucht")


def reply(agent, message, text, capture, *, private=None, execute=True):
    with capture(execute=execute):
        sent = do_send_reply(agent, message.conversation, text, private=private)
    return OutboundDelivery.objects.get(message=sent)


def test_public_reply_is_a_comment_under_the_customers_comment(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks
):
    delivery = reply(agent, comment, "Wir schauen sofort nach!", django_capture_on_commit_callbacks)
    [ours] = fake_facebook.page_comments()
    assert (ours["message"], ours["parent_id"]) == ("Wir schauen sofort nach! ^MK", comment.external_id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.external_ids) == ("sent", [ours["id"]])


def test_private_reply_to_a_comment_goes_to_messenger_by_comment_id(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks
):
    delivery = reply(agent, comment, "Bitte Kundennummer?", django_capture_on_commit_callbacks, private=True)
    [sent] = fake_facebook.page_messages()
    assert sent["message"] == "Bitte Kundennummer?"
    assert fake_facebook.private_replied == {comment.external_id}
    request = fake_facebook.calls("POST", "/messages")[0].json()
    assert request["recipient"] == {"comment_id": comment.external_id}
    delivery.refresh_from_db()
    assert (delivery.action, delivery.status, delivery.external_ids) == (
        "direct_message",
        "sent",
        [sent["id"]],
    )


def test_second_private_reply_to_the_same_comment_fails_with_facebooks_reason(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks
):
    reply(agent, comment, "Erste private Antwort", django_capture_on_commit_callbacks, private=True)
    delivery = reply(
        agent, comment, "Zweite private Antwort", django_capture_on_commit_callbacks, private=True
    )
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.last_error.startswith("Facebook: (#10900) Activity already replied to")


def test_messenger_reply_goes_to_the_psid(
    fake_facebook, agent, messenger_message, django_capture_on_commit_callbacks
):
    delivery = reply(
        agent, messenger_message, "Wir erstatten den Betrag.", django_capture_on_commit_callbacks
    )
    request = fake_facebook.calls("POST", "/messages")[0].json()
    assert request == {
        "recipient": {"id": "7412589630001234"},
        "message": {"text": "Wir erstatten den Betrag.", "metadata": delivery.idempotency_key},
        "messaging_type": "RESPONSE",
    }
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_hiding_a_comment(fake_facebook, agent, comment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = do_hide_facebook_comment(agent, comment)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert fake_facebook.comments[comment.external_id]["is_hidden"] is True
    assert TimelineEntry.objects.filter(kind="comment_hidden").count() == 1
    assert do_hide_facebook_comment(agent, comment) == delivery  # twice is once


def test_only_customer_comments_can_be_hidden(agent, messenger_message):
    with pytest.raises(InvalidInput, match="Nur der öffentliche Kommentar eines Kunden"):
        do_hide_facebook_comment(agent, messenger_message)
    assert OutboundDelivery.objects.count() == 0


def test_revoked_page_token_marks_the_account_unhealthy_and_tells_the_admins(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks, caplog
):
    fake_facebook.revoked = True
    first = reply(agent, comment, "Hallo?", django_capture_on_commit_callbacks)
    second = reply(agent, comment, "Hallo nochmal?", django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == "failed"
    assert first.last_error.startswith("Facebook: Error validating access token")
    assert first.last_error.endswith("(code 190)")
    account = ChannelAccount.objects.get(pk=comment.channel_account_id)
    assert account.status == "unhealthy"
    assert account.status_detail == first.last_error[:500]
    entry = AuditEntry.objects.get()  # one entry for the change, not one per failed send
    assert (entry.action, entry.object_id, entry.data["code"]) == ("channel.unhealthy", account.pk, "190")
    second.refresh_from_db()
    assert second.status == "failed"
    assert [r.getMessage() for r in caplog.records].count("channel.credentials.invalid") == 2


def _retry_now(delivery: OutboundDelivery) -> str:
    OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    return outbound.send_delivery(delivery.pk)


def test_5xx_retries_then_fails_after_the_limit(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks
):
    fake_facebook.fail_next(
        "POST",
        "/comments",
        500,
        {
            "error": {
                "message": "An unexpected error has occurred.",
                "type": "OAuthException",
                "code": 2,
                "is_transient": True,
            }
        },
        times=100,
    )
    delivery = reply(agent, comment, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "pending",
        "Facebook: An unexpected error has occurred. (code 2)",
    )
    statuses = [_retry_now(delivery) for _ in range(outbound.MAX_SEND_ATTEMPTS - 1)]
    assert statuses == ["pending"] * 4 + ["failed"]
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == outbound.MAX_SEND_ATTEMPTS
    assert fake_facebook.page_comments() == []


def test_throttling_is_retried(fake_facebook, agent, comment, django_capture_on_commit_callbacks):
    fake_facebook.fail_next(
        "POST",
        "/comments",
        400,
        {"error": {"message": "(#32) Page request limit reached", "type": "OAuthException", "code": 32}},
    )
    delivery = reply(agent, comment, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert _retry_now(delivery) == "sent"


def test_4xx_fails_at_once_with_the_platforms_error(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks
):
    del fake_facebook.comments[comment.external_id]  # the customer deleted the comment
    delivery = reply(agent, comment, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith(
        f"Facebook: Unsupported post request. Object with ID '{comment.external_id}' does not exist"
    )
    assert delivery.last_error.endswith("(code 100)")


def test_timeout_is_retried(
    fake_facebook, facebook_account, agent, comment, django_capture_on_commit_callbacks
):
    ChannelAccount.objects.filter(pk=facebook_account.pk).update(
        config={**facebook_account.config, "timeout_seconds": 0.3}
    )
    fake_facebook.fail_next("POST", "/comments", 200, {}, hang_seconds=5)
    delivery = reply(agent, comment, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("Facebook: ReadTimeout")


def _kill_after_platform_call(monkeypatch, method_name):
    real = getattr(GraphClient, method_name)

    def call_then_die(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise WorkerKilled

    monkeypatch.setattr(GraphClient, method_name, call_then_die)
    return lambda: monkeypatch.setattr(GraphClient, method_name, real)


def _resend_after_sweep(delivery):
    OutboundDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=outbound.STUCK_AFTER_SECONDS + 1)
    )
    outbound.sweep_deliveries()
    return outbound.send_delivery(delivery.pk)


@pytest.mark.parametrize("private", [False, True])
def test_worker_killed_after_a_comment_reply_reached_facebook_replies_once(
    fake_facebook, agent, comment, django_capture_on_commit_callbacks, monkeypatch, private
):
    delivery = reply(
        agent, comment, "Wir sind dran.", django_capture_on_commit_callbacks, execute=False, private=private
    )
    restore = _kill_after_platform_call(monkeypatch, "send_message" if private else "reply_to_comment")
    with pytest.raises(WorkerKilled):
        outbound.send_delivery(delivery.pk)
    restore()
    assert _resend_after_sweep(delivery) == "sent"
    sent = fake_facebook.page_messages() if private else fake_facebook.page_comments()
    assert len(sent) == 1


def test_worker_killed_after_a_messenger_reply_reached_facebook_replies_once(
    fake_facebook, agent, messenger_message, django_capture_on_commit_callbacks, monkeypatch
):
    delivery = reply(
        agent, messenger_message, "Wir erstatten.", django_capture_on_commit_callbacks, execute=False
    )
    restore = _kill_after_platform_call(monkeypatch, "send_message")
    with pytest.raises(WorkerKilled):
        outbound.send_delivery(delivery.pk)
    restore()
    assert _resend_after_sweep(delivery) == "sent"
    [sent] = fake_facebook.page_messages()
    delivery.refresh_from_db()
    assert delivery.external_ids == [sent["id"]]
    assert len(fake_facebook.calls("POST", "/messages")) == 1


def test_hide_through_the_api(fake_facebook, agent_client, comment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(f"/api/facebook/messages/{comment.pk}/hide")
    assert response.status_code == 202
    delivery = OutboundDelivery.objects.get(action="hide")
    assert response.json() == {"delivery_id": delivery.pk, "status": "pending"}
    assert fake_facebook.comments[comment.external_id]["is_hidden"] is True


def test_hide_api_permissions(client, agent_client, comment, messenger_message):
    from resonanz.testing.factories import AgentFactory, WorkspaceFactory

    assert client.post(f"/api/facebook/messages/{comment.pk}/hide").status_code == 401
    assert agent_client.post(f"/api/facebook/messages/{messenger_message.pk}/hide").status_code == 400
    assert agent_client.post("/api/facebook/messages/999999/hide").status_code == 404
    stranger = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere"))
    client.force_login(stranger.user)
    assert client.post(f"/api/facebook/messages/{comment.pk}/hide").status_code == 404
    assert OutboundDelivery.objects.filter(action="hide").count() == 0
