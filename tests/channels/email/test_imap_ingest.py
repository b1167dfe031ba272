"""Mail on a real IMAP server (a private Dovecot) → stored events → threaded messages."""

from __future__ import annotations

import base64

import pytest

from resonanz.channels.email import tasks as email_tasks
from resonanz.channels.email.client import MailboxError
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.email.tasks import POLL_TASK, poll_mailboxes
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.conversations.models import Attachment, Conversation, Message
from resonanz.customers.models import Identity
from tests.channels.email.conftest import fixture_mail

pytestmark = pytest.mark.django_db


def mail(n: int, *, sender: str = "anna@example.org", extra_headers: str = "", body: str = "") -> bytes:
    return (
        f"From: Kundin {n} <{sender}>\r\nTo: support@netzwelt.example\r\nSubject: Anfrage {n}\r\n"
        f"Date: Mon, 23 Nov 2026 08:00:00 +0100\r\nMessage-ID: <mail-{n}@example.org>\r\n{extra_headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body or f'Text {n}'}\r\n"
    ).encode()


def test_plain_mail_is_stored_raw_then_normalized(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    raw = fixture_mail("plain.eml")
    dovecot_server.append(mailbox_user, [raw])
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox(email_account)
    assert (result.fetched, result.accepted, result.duplicates, result.last_uid) == (1, 1, 0, 1)
    event = InboundEvent.objects.get()
    assert (event.external_id, event.event_type, event.status) == (
        "<20261123081500.4711@mail.example.org>",
        "mail",
        "processed",
    )
    assert base64.b64decode(event.payload["raw"]) == raw
    assert event.payload["uid"] == 1
    message = Message.objects.get()
    assert message.external_id == "<20261123081500.4711@mail.example.org>"
    assert message.text == (
        "Hallo,\n\nseit heute früh geht in 50667 Köln kein Internet mehr. Der Router blinkt rot.\n\n"
        "Viele Grüße\nAnna Beispiel"
    )
    assert message.visibility == "private"
    assert message.extra["email"]["subject"] == "Internet seit heute früh weg"
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle, identity.display_name) == (
        "email",
        "anna.beispiel@example.org",
        "Anna Beispiel",
    )
    assert identity.customer.email == "anna.beispiel@example.org"
    conversation = Conversation.objects.get()
    assert conversation.subject == "Internet seit heute früh weg"
    email_account.refresh_from_db()
    assert email_account.cursor == {"uidvalidity": event.payload["uidvalidity"], "last_uid": 1}


def test_html_mail_is_sanitized_and_converted_to_text(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [fixture_mail("html.eml")])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    message = Message.objects.get()
    assert message.text == (
        "Guten Tag,\n\nSie haben meine Rechnung doppelt abgebucht & ich möchte das Geld zurück.\n\nKonto"
    )
    html = message.extra["email"]["html"]
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "<b>doppelt</b>" in html


def test_german_reply_threads_by_references_and_quote_is_stripped(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [fixture_mail("plain.eml"), fixture_mail("reply_de.eml")])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    first, reply = Message.objects.order_by("id")
    assert reply.text == "Danke, nach dem Neustart geht es wieder."
    assert reply.conversation_id == first.conversation_id
    assert reply.reply_to_id == first.pk  # In-Reply-To is unknown here; References finds the first mail
    assert reply.extra["email"]["quoted_stripped"] is True
    assert Conversation.objects.count() == 1


def test_attachments_are_stored(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [fixture_mail("attachment.eml")])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    message = Message.objects.get()
    assert message.text == "Im Anhang ein Foto der Lampen."
    attachments = list(Attachment.objects.filter(message=message).order_by("id"))
    assert [(a.filename, a.content_type, a.size) for a in attachments] == [
        ("router.png", "image/png", 70),
        ("Verträge.pdf", "application/pdf", 19),
    ]
    assert attachments[1].file.read() == b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n"


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("auto_reply.eml", "not answered: auto-submitted: auto-replied"),
        ("out_of_office_subject.eml", "not answered: auto-reply: subject"),
        ("precedence_bulk.eml", "not answered: precedence: bulk"),
        ("bounce.eml", "not answered: bounce: multipart/report"),
    ],
)
def test_auto_replies_and_bounces_are_stored_as_ignored_events(
    email_account, dovecot_server, mailbox_user, fixture, reason, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [fixture_mail(fixture)])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    event = InboundEvent.objects.get()
    assert (event.status, event.error) == ("ignored", reason)
    assert Message.objects.count() == 0
    assert Conversation.objects.count() == 0


def test_our_own_mail_is_ignored(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [mail(1, sender="Support@Netzwelt.example")])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    assert InboundEvent.objects.get().status == "ignored"
    assert Message.objects.count() == 0


def test_mail_delivered_twice_is_one_message(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [mail(1), mail(1), mail(2)])
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox(email_account)
        again = poll_mailbox(email_account)
    assert (result.fetched, result.accepted, result.duplicates) == (3, 2, 1)
    assert (again.fetched, again.accepted) == (0, 0)
    assert InboundEvent.objects.count() == 2
    assert sorted(Message.objects.values_list("external_id", flat=True)) == [
        "<mail-1@example.org>",
        "<mail-2@example.org>",
    ]


def test_bad_mail_in_a_batch_is_skipped_and_the_rest_stored(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    garbage = b"\x00\xff\xfe not a mail at all \r\n\r\n"
    no_sender = b"Subject: wer bin ich\r\nMessage-ID: <anon@x>\r\n\r\nText\r\n"
    dovecot_server.append(mailbox_user, [mail(1), garbage, no_sender, mail(2)])
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox(email_account)
    assert result.accepted == 4
    statuses = dict(InboundEvent.objects.values_list("payload__uid", "status"))
    assert statuses == {1: "processed", 2: "failed", 3: "failed", 4: "processed"}
    assert InboundEvent.objects.get(payload__uid=3).error == "malformed: mail has no valid sender address"
    assert sorted(Message.objects.values_list("external_id", flat=True)) == [
        "<mail-1@example.org>",
        "<mail-2@example.org>",
    ]


def test_new_uidvalidity_refetches_everything_without_duplicates(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [mail(1), mail(2)])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    validity = email_account.cursor["uidvalidity"]
    # The cursor was taken in another generation of the folder (a restore or a server move renumbers it).
    ChannelAccount.objects.filter(pk=email_account.pk).update(
        cursor={"uidvalidity": validity - 1, "last_uid": 2}
    )
    email_account.refresh_from_db()
    dovecot_server.append(mailbox_user, [mail(3)])
    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox(email_account)
    assert result.fetched == 3
    assert (result.accepted, result.duplicates) == (1, 2)
    assert email_account.cursor == {"uidvalidity": validity, "last_uid": 3}
    assert Message.objects.count() == 3


def test_unreachable_server_marks_the_account_unhealthy_and_stores_nothing(email_account):
    email_account.config = {**email_account.config, "imap_port": 1}
    with pytest.raises(MailboxError):
        poll_mailbox(email_account)
    email_account.refresh_from_db()
    assert email_account.status == "unhealthy"
    assert email_account.status_detail.startswith("cannot connect to 127.0.0.1:1")
    assert InboundEvent.objects.count() == 0


def test_wrong_password_marks_the_account_unhealthy(email_account):
    email_account.secret = "falsch"
    with pytest.raises(MailboxError):
        poll_mailbox(email_account)
    email_account.refresh_from_db()
    assert email_account.status == "unhealthy"
    assert "IMAP login or folder 'INBOX' failed" in email_account.status_detail


def test_periodic_job_enqueues_one_poll_per_due_mailbox(
    email_account, workspace, dovecot_server, mailbox_user, monkeypatch
):
    disabled = ChannelAccount.objects.create(
        workspace=workspace, kind="email", name="alt", config={}, status=ChannelAccount.Status.DISABLED
    )
    enqueued = []
    monkeypatch.setattr(
        "resonanz.channels.polling.enqueue", lambda name, *args: enqueued.append((name, args))
    )
    monkeypatch.setattr(email_tasks.POLLER, "last_enqueued", {})
    assert poll_mailboxes() == [email_account.pk]
    assert poll_mailboxes() == []  # not due again within poll_every_seconds
    [(name, (account_id, lease_token))] = enqueued
    assert (name, account_id, len(lease_token)) == (POLL_TASK, email_account.pk, 32)
    assert disabled.pk not in [args[0] for _, args in enqueued]


def test_nul_bytes_anywhere_in_a_mail_are_dropped_so_every_database_can_store_it(
    workspace, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from resonanz.channels.base import RawEvent
    from resonanz.channels.email.payloads import event_payload, external_id_for
    from resonanz.channels.ingest import accept_events
    from resonanz.testing.factories import ChannelAccountFactory

    made = ChannelAccountFactory(
        workspace=workspace, kind="email", config={"address": "support@netzwelt.example"}
    )
    account = ChannelAccount.objects.get(pk=made.pk)
    raw = (
        b"From: =?utf-8?q?Nul=00Name?= <nul@example.org>\r\nSubject: Null\x00byte\r\nMessage-ID: <nul-1@x>\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Text\x00 mit Null</p>\r\n"
    )
    event = RawEvent(
        external_id_for(raw),
        event_payload(raw, uid=1, uidvalidity=1, folder="INBOX", fetched_at=timezone.now()),
        "mail",
    )
    with django_capture_on_commit_callbacks(execute=True):
        accept_events(account, [event])
    message = Message.objects.get()
    assert message.text == "Text mit Null"
    assert message.extra["email"]["subject"] == "Nullbyte"
    assert message.extra["email"]["html"] == "<p>Text mit Null</p>\n"
    assert Identity.objects.get().display_name == "NulName"


def test_poll_task_stores_the_mailbox(
    email_account, dovecot_server, mailbox_user, django_capture_on_commit_callbacks
):
    from resonanz.channels.email.tasks import poll_mailbox_task

    dovecot_server.append(mailbox_user, [mail(1)])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox_task(email_account.pk)
    assert list(Message.objects.values_list("external_id", flat=True)) == ["<mail-1@example.org>"]


def test_poll_task_skips_a_disabled_mailbox_and_reports_bad_settings(
    email_account, dovecot_server, mailbox_user
):
    from resonanz.channels.email.tasks import poll_mailbox_task

    dovecot_server.append(mailbox_user, [mail(1)])
    ChannelAccount.objects.filter(pk=email_account.pk).update(status=ChannelAccount.Status.DISABLED)
    poll_mailbox_task(email_account.pk)
    assert InboundEvent.objects.count() == 0
    ChannelAccount.objects.filter(pk=email_account.pk).update(
        status=ChannelAccount.Status.HEALTHY, config={**email_account.config, "imap_security": "tls1.0"}
    )
    poll_mailbox_task(email_account.pk)
    email_account.refresh_from_db()
    assert (email_account.status, email_account.status_detail) == (
        "unhealthy",
        "invalid IMAP settings: security must be ssl, starttls or none, not 'tls1.0'",
    )
    assert InboundEvent.objects.count() == 0
