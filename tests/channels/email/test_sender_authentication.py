"""Spoofed senders: the SPF/DKIM/DMARC results our receiving server wrote (Authentication-Results) are
recorded on each mail; an unverified sender is shown as such, and is never enough to treat the conversation
as a VIP's or to suggest a merge with high confidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels.base import RawEvent
from resonanz.channels.email.payloads import event_payload, external_id_for
from resonanz.channels.ingest import accept_events
from resonanz.conversations.merges import do_compute_suggestions
from resonanz.conversations.models import Message
from resonanz.customers.models import Customer
from resonanz.routing.snapshots import conversation_facts
from resonanz.testing.factories import ChannelAccountFactory, CustomerFactory, IdentityFactory

pytestmark = pytest.mark.django_db

PASS = (
    "Authentication-Results: mx.netzwelt.example; spf=pass smtp.mailfrom=example.org;\r\n"
    " dkim=pass header.d=example.org header.s=mail; dmarc=pass (p=reject) header.from=example.org\r\n"
)
FAIL = (
    "Authentication-Results: mx.netzwelt.example; spf=fail smtp.mailfrom=example.org;\r\n"
    " dkim=none; dmarc=fail (p=none) header.from=example.org\r\n"
)
# Written by the sender, below ours: must not count.
FORGED_BELOW = "Authentication-Results: mx.netzwelt.example; dmarc=pass header.from=example.org\r\n"


@pytest.fixture
def mailbox(workspace):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="email",
        name="Support",
        config={"address": "support@netzwelt.example", "authserv_id": "mx.netzwelt.example"},
        is_public=False,
    )


def mail(number: int, headers: str, *, sender: str = "anna@example.org", date: str = "") -> bytes:
    date = date or "Mon, 23 Nov 2026 08:00:00 +0100"
    return (
        f"{headers}From: Anna <{sender}>\r\nTo: support@netzwelt.example\r\nSubject: Rechnung\r\n"
        f"Date: {date}\r\nMessage-ID: <m-{number}@example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nBitte Rechnung schicken.\r\n"
    ).encode()


def receive(account, raw: bytes, capture, fetched_at: dt.datetime | None = None) -> Message:
    event = RawEvent(
        external_id=external_id_for(raw),
        payload=event_payload(
            raw, uid=1, uidvalidity=7, folder="INBOX", fetched_at=fetched_at or timezone.now()
        ),
        event_type="mail",
    )
    with capture(execute=True):
        accept_events(account, [event])
    return Message.objects.get(external_id=event.external_id)


def test_a_passing_mail_is_recorded_as_verified(mailbox, django_capture_on_commit_callbacks):
    message = receive(mailbox, mail(1, PASS), django_capture_on_commit_callbacks)
    assert message.extra["email"]["authentication"] == {
        "authserv_id": "mx.netzwelt.example",
        "spf": "pass",
        "dkim": "pass",
        "dmarc": "pass",
        "verified": True,
    }


@pytest.mark.parametrize(
    "headers",
    [FAIL, "", FAIL + FORGED_BELOW, "Authentication-Results: evil.example; dmarc=pass\r\n"],
    ids=["fail", "none", "forged-below-ours", "other-server"],
)
def test_a_failing_or_missing_result_is_unverified(mailbox, django_capture_on_commit_callbacks, headers):
    message = receive(mailbox, mail(2, headers), django_capture_on_commit_callbacks)
    assert message.extra["email"]["authentication"]["verified"] is False


def test_dkim_of_another_domain_does_not_verify_the_sender(mailbox, django_capture_on_commit_callbacks):
    headers = "Authentication-Results: mx.netzwelt.example; dkim=pass header.d=evil.example; spf=none\r\n"
    message = receive(mailbox, mail(3, headers), django_capture_on_commit_callbacks)
    assert message.extra["email"]["authentication"]["verified"] is False


def test_unverified_sender_is_shown_in_the_agent_ui(
    mailbox, agent_client, django_capture_on_commit_callbacks
):
    message = receive(mailbox, mail(4, FAIL), django_capture_on_commit_callbacks)
    page = agent_client.get(f"/conversations/{message.conversation_id}/").content.decode()
    assert "Absender nicht bestätigt" in page


def test_a_spoofed_vip_mail_is_not_routed_as_vip(workspace, mailbox, django_capture_on_commit_callbacks):
    vip = CustomerFactory(workspace=workspace, display_name="Dr. Wichtig", is_vip=True)
    IdentityFactory(customer=vip, kind="email", handle="chef@example.org")
    message = receive(mailbox, mail(5, FAIL, sender="chef@example.org"), django_capture_on_commit_callbacks)
    assert message.conversation.customer_id == vip.pk
    assert conversation_facts(message.conversation).customer_is_vip is False
    verified = receive(mailbox, mail(6, PASS, sender="chef@example.org"), django_capture_on_commit_callbacks)
    assert conversation_facts(verified.conversation).customer_is_vip is True


def test_an_unverified_sender_gives_no_high_confidence_merge_suggestion(
    workspace, mailbox, django_capture_on_commit_callbacks
):
    known = CustomerFactory(workspace=workspace, email="anna@example.org")
    message = receive(mailbox, mail(7, FAIL), django_capture_on_commit_callbacks)
    newcomer = Customer.objects.get(pk=message.conversation.customer_id)
    assert newcomer.pk != known.pk
    suggestions = do_compute_suggestions(newcomer)
    assert [s.candidate_id for s in suggestions if s.confidence >= 0.7] == []


def test_a_sender_date_in_the_future_is_replaced_by_the_time_received(
    mailbox, django_capture_on_commit_callbacks
):
    fetched = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    message = receive(
        mailbox,
        mail(8, PASS, date="Mon, 23 Nov 2026 20:00:00 +0000"),
        django_capture_on_commit_callbacks,
        fetched,
    )
    assert message.created_at == fetched


def signed_mail(number: int, headers: str, handle: str) -> bytes:
    return (
        f"{headers}From: Anna <anna@example.org>\r\nTo: support@netzwelt.example\r\nSubject: Frage\r\n"
        f"Date: Mon, 23 Nov 2026 08:00:00 +0100\r\nMessage-ID: <s-{number}@example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nHallo,\r\nbitte melden.\r\n\r\n-- \r\n"
        f"Anna\r\nhttps://x.com/{handle}\r\n"
    ).encode()


@pytest.mark.parametrize(("headers", "suggested"), [(FAIL, False), (PASS, True)], ids=["spoofed", "verified"])
def test_a_signature_in_a_spoofed_mail_suggests_no_merge(
    workspace, mailbox, django_capture_on_commit_callbacks, headers, suggested
):
    stranger: Customer = CustomerFactory(workspace=workspace, display_name="Fremder")  # type: ignore[assignment]
    IdentityFactory(customer=stranger, kind="x", handle="fremder_x")
    message = receive(mailbox, signed_mail(9, headers, "fremder_x"), django_capture_on_commit_callbacks)
    anna = Customer.objects.get(pk=message.conversation.customer_id)
    both_ways = do_compute_suggestions(anna) + do_compute_suggestions(stranger)
    linked = {(s.customer_id, s.candidate_id) for s in both_ways if s.reason == "handle_in_signature"}
    assert bool(linked) is suggested
