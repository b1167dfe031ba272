"""Resonanz was down for two days: 5,000 mails wait on the IMAP server. Each is stored exactly once, with
no gap and no duplicate, also when fetching crashes half-way through the mailbox and again while storing.
(A well-known helpdesk lost mail exactly here: after an outage it fetched only the newest mails.)"""

from __future__ import annotations

import pytest

from resonanz.channels.email import poller
from resonanz.channels.email.client import Mailbox, MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import InboundEvent
from resonanz.conversations.models import Message

pytestmark = pytest.mark.django_db

WAITING = 5_000


@pytest.fixture(autouse=True)
def _only_these_pipeline_steps(settings):
    # Fetching exactly once is under test here, not the steps after it.
    settings.AFTER_INGEST_STEPS = []


def waiting_mail(n: int) -> bytes:
    return (
        f"From: Kunde {n % 400} <kunde{n % 400}@example.org>\r\nTo: support@netzwelt.example\r\n"
        f"Subject: Störung {n}\r\nDate: Sat, 21 Nov 2026 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d} +0100\r\n"
        f"Message-ID: <outage-{n}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Seit Samstag kein Internet ({n}).\r\n"
    ).encode()


def poll_with_two_crashes(account, monkeypatch, capture, *, fetch_crash: int, accept_crash: int) -> list[int]:
    """Poll three times: the first loses the connection while fetching batch ``fetch_crash``, the second
    dies inside the transaction of its batch ``accept_crash`` (events written, cursor not yet), the third
    finishes. Returns the cursor's last UID after each of the three polls."""
    cursors = []
    real_fetch = Mailbox.fetch
    fetches = {"count": 0}

    def fetch_then_drop(self, uids):
        fetches["count"] += 1
        if fetches["count"] == fetch_crash:
            raise OSError("connection reset by peer")
        return real_fetch(self, uids)

    monkeypatch.setattr(Mailbox, "fetch", fetch_then_drop)
    with capture(), pytest.raises(MailboxError):
        poll_mailbox(account)
    account.refresh_from_db()
    assert account.status == "unhealthy"
    cursors.append(account.cursor["last_uid"])
    monkeypatch.setattr(Mailbox, "fetch", real_fetch)

    real_accept = poller.accept_events
    accepts = {"count": 0}

    def accept_then_die(account, events):
        accepted = real_accept(account, events)
        accepts["count"] += 1
        if accepts["count"] == accept_crash:
            raise RuntimeError("worker killed")
        return accepted

    monkeypatch.setattr(poller, "accept_events", accept_then_die)
    with capture(), pytest.raises(RuntimeError):
        poll_mailbox(account)
    account.refresh_from_db()
    cursors.append(account.cursor["last_uid"])
    monkeypatch.setattr(poller, "accept_events", real_accept)

    with capture():
        poll_mailbox(account)
    account.refresh_from_db()
    cursors.append(account.cursor["last_uid"])
    assert account.status == "healthy"
    return cursors


@pytest.mark.slow
def test_5000_waiting_mails_are_stored_once_despite_two_crashes(
    email_account, dovecot_server, mailbox_user, monkeypatch, django_capture_on_commit_callbacks
):
    # given: 5,000 mails delivered while Resonanz was down
    dovecot_server.write_maildir(mailbox_user, [waiting_mail(n) for n in range(WAITING)])

    # when: polling crashes while fetching, then while storing, then finishes; the queued processing
    # tasks run after each poll, as a worker would
    cursors = poll_with_two_crashes(
        email_account,
        monkeypatch,
        lambda: django_capture_on_commit_callbacks(execute=True),
        fetch_crash=27,
        accept_crash=10,
    )

    # then: the cursor only ever stood on committed batches, and every mail is stored once, none missing
    assert cursors == [2_600, 3_500, WAITING]
    stored = list(InboundEvent.objects.values_list("external_id", flat=True))
    assert len(stored) == WAITING
    assert set(stored) == {f"<outage-{n}@example.org>" for n in range(WAITING)}
    assert sorted(InboundEvent.objects.values_list("payload__uid", flat=True)) == list(range(1, WAITING + 1))
    assert InboundEvent.objects.exclude(status="processed").count() == 0
    messages = list(Message.objects.values_list("external_id", flat=True))
    assert len(messages) == WAITING
    assert set(messages) == set(stored)
    assert poll_mailbox(email_account).fetched == 0


def test_waiting_mails_become_messages_once_despite_two_crashes(
    email_account, dovecot_server, mailbox_user, monkeypatch, django_capture_on_commit_callbacks
):
    dovecot_server.write_maildir(mailbox_user, [waiting_mail(n) for n in range(500)])
    cursors = poll_with_two_crashes(
        email_account,
        monkeypatch,
        lambda: django_capture_on_commit_callbacks(execute=True),
        fetch_crash=3,
        accept_crash=2,
    )
    assert cursors == [200, 300, 500]
    assert InboundEvent.objects.exclude(status="processed").count() == 0
    messages = list(Message.objects.values_list("external_id", flat=True))
    assert len(messages) == 500
    assert set(messages) == {f"<outage-{n}@example.org>" for n in range(500)}
