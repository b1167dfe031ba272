"""Replies leave over a real SMTP server (aiosmtpd on loopback) and thread in the customer's mail client."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from django.utils import timezone

from resonanz.channels.base import RawEvent
from resonanz.channels.email.payloads import event_payload, external_id_for
from resonanz.channels.ingest import accept_events
from resonanz.channels.models import DeliveryAttempt, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Message
from resonanz.testing.factories import ChannelAccountFactory
from tests.channels.email.conftest import fixture_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_account(workspace, smtp_server):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="email",
        name="Support-Postfach",
        secret="",
        is_public=False,
        config={
            "address": "support@netzwelt.example",
            "display_name": "Netzwelt Kundenservice",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "timeout_seconds": 5,
        },
    )


def receive(account, raw: bytes, uid: int, capture) -> Message:
    event = RawEvent(
        external_id=external_id_for(raw),
        payload=event_payload(raw, uid=uid, uidvalidity=7, folder="INBOX", fetched_at=timezone.now()),
        event_type="mail",
    )
    with capture(execute=True):
        accept_events(account, [event])
    return Message.objects.get(external_id=event.external_id)


def sent(smtp_server, index: int = -1) -> email.message.EmailMessage:
    return email.message_from_bytes(smtp_server.handler.received[index]["data"], policy=email.policy.default)


def test_reply_goes_out_with_threading_headers_and_its_message_id_becomes_the_external_id(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_send_reply(agent, inbound.conversation, "Bitte starten Sie den Router neu.")
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "sent"
    expected_id = f"<resonanz.{delivery.idempotency_key}.{smtp_account.pk}@netzwelt.example>"
    # Random, not the message's sequential id: an outsider cannot guess it to thread into the conversation.
    assert re.fullmatch(r"<resonanz\.reply-[A-Za-z0-9_-]{22}\.\d+@netzwelt\.example>", expected_id)
    assert delivery.external_ids == [expected_id]
    reply.refresh_from_db()
    assert reply.external_id == expected_id
    envelope = smtp_server.handler.received[0]
    assert (envelope["mail_from"], envelope["rcpt_tos"]) == (
        "support@netzwelt.example",
        ["anna.beispiel@example.org"],
    )
    mail = sent(smtp_server)
    assert mail["From"] == "Netzwelt Kundenservice <support@netzwelt.example>"
    assert mail["To"] == "anna.beispiel@example.org"
    assert mail["Subject"] == "Re: Internet seit heute früh weg"
    assert mail["Message-ID"] == expected_id
    assert mail["In-Reply-To"] == "<20261123081500.4711@mail.example.org>"
    assert mail["References"] == "<20261123081500.4711@mail.example.org>"
    assert mail["Auto-Submitted"] == "no"
    assert mail.get_content().replace("\r\n", "\n") == (
        f"Bitte starten Sie den Router neu.\n\n-- \n{agent.display_name}\nNetzwelt Kundenservice\n"
    )


def test_customer_answer_to_our_reply_joins_the_conversation(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_send_reply(agent, inbound.conversation, "Bitte starten Sie den Router neu.")
    reply.refresh_from_db()
    answer = (
        "From: Anna Beispiel <anna.beispiel@example.org>\r\nTo: support@netzwelt.example\r\n"
        "Subject: Re: Internet seit heute frueh weg\r\nMessage-ID: <answer-9@mail.example.org>\r\n"
        f"In-Reply-To: {reply.external_id}\r\n"
        f"References: <20261123081500.4711@mail.example.org> {reply.external_id}\r\n\r\n"
        "Geht wieder, danke!\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, Netzwelt wrote:\r\n> Bitte neu starten.\r\n"
    ).encode()
    customer_answer = receive(smtp_account, answer, 2, django_capture_on_commit_callbacks)
    assert customer_answer.conversation_id == inbound.conversation_id
    assert customer_answer.reply_to_id == reply.pk
    assert customer_answer.text == "Geht wieder, danke!"
    # and our next reply carries the whole chain, oldest first
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, inbound.conversation, "Schön, dass es wieder geht.")
    mail = sent(smtp_server)
    assert mail["In-Reply-To"] == "<answer-9@mail.example.org>"
    assert mail["References"] == (
        f"<20261123081500.4711@mail.example.org> {reply.external_id} <answer-9@mail.example.org>"
    )


def test_temporary_smtp_error_is_retried_later(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    smtp_server.handler.answers = ["451 4.3.0 Mailbox temporarily unavailable"]
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, inbound.conversation, "Hallo")
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.last_error == "SMTP 451 4.3.0 Mailbox temporarily unavailable"
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.outcome, attempt.status_code) == ("retry", 451)
    assert smtp_server.handler.received == []


def test_5xx_with_a_temporary_enhanced_code_is_retried(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    smtp_server.handler.answers = ["552 4.2.2 Mailbox full, try again later"]
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, inbound.conversation, "Hallo")
    delivery = OutboundDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        "pending",
        "SMTP 552 4.2.2 Mailbox full, try again later",
    )


def test_permanent_smtp_error_fails_with_the_servers_text(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    smtp_server.handler.answers = ["550 5.1.1 <anna.beispiel@example.org>: Recipient address rejected"]
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, inbound.conversation, "Hallo")
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.last_error == "SMTP 550 5.1.1 <anna.beispiel@example.org>: Recipient address rejected"
    assert DeliveryAttempt.objects.get().outcome == "failed"
    assert smtp_server.handler.received == []


def test_unreachable_smtp_server_is_retried(smtp_account, agent, django_capture_on_commit_callbacks):
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    smtp_account.config = {**smtp_account.config, "smtp_port": 1}
    smtp_account.save()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, inbound.conversation, "Hallo")
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("SMTP connection failed: ConnectionRefusedError")


def test_retry_after_a_crash_resends_the_same_message_id(
    smtp_account, smtp_server, agent, django_capture_on_commit_callbacks
):
    # A worker died after the server took the mail but before "sent" was stored: the resend must carry the
    # same Message-ID, so the customer's mail client shows one mail.
    inbound = receive(smtp_account, fixture_mail("plain.eml"), 1, django_capture_on_commit_callbacks)
    smtp_server.handler.answers = ["451 4.3.0 later"]
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_send_reply(agent, inbound.conversation, "Hallo")
    from resonanz.channels.outbound import send_delivery

    OutboundDelivery.objects.update(next_attempt_at=None)
    assert send_delivery(OutboundDelivery.objects.get().pk) == "sent"
    key = OutboundDelivery.objects.get(message=reply).idempotency_key
    assert sent(smtp_server)["Message-ID"] == f"<resonanz.{key}.{smtp_account.pk}@netzwelt.example>"
