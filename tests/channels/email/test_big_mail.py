"""Memory per poll is bounded by bytes (decision 0526): sizes are read first, batches are cut by bytes, an
oversized mail is stored truncated with a note (never stuck, never fetched whole), and the text that quote
stripping and HTML-to-text see is capped. Against the real local Dovecot."""

from __future__ import annotations

import base64

import pytest

from resonanz.channels.email import payloads
from resonanz.channels.email.client import Mailbox
from resonanz.channels.email.html import MAX_HTML_INPUT_CHARS
from resonanz.channels.email.poller import poll_mailbox
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.conversations.models import Attachment, Message
from tests.channels.email.test_imap_ingest import mail

pytestmark = pytest.mark.django_db


def mail_with_attachment(n: int, attachment_bytes: int) -> bytes:
    data = base64.encodebytes(bytes(range(256)) * (attachment_bytes // 256)).decode().replace("\n", "\r\n")
    return (
        f"From: Kundin {n} <anna@example.org>\r\nTo: support@netzwelt.example\r\nSubject: Foto vom Router {n}\r\n"
        f"Date: Mon, 23 Nov 2026 08:00:00 +0100\r\nMessage-ID: <big-{n}@example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDer Router blinkt rot, Foto anbei.\r\n"
        '--b\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="router.jpg"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{data}\r\n--b--\r\n"
    ).encode()


@pytest.fixture
def fetches(monkeypatch):
    """What the poller asked the server for: whole mails by batch, and heads of single mails."""
    calls: list[tuple[str, list[int]]] = []
    whole, head = Mailbox.fetch, Mailbox.fetch_head

    def fetch(self, uids):
        calls.append(("whole", list(uids)))
        return whole(self, uids)

    def fetch_head(self, uid, **kwargs):
        calls.append(("head", [uid]))
        return head(self, uid, **kwargs)

    monkeypatch.setattr(Mailbox, "fetch", fetch)
    monkeypatch.setattr(Mailbox, "fetch_head", fetch_head)
    return calls


def test_oversized_mail_is_stored_truncated_with_a_note_and_batches_are_cut_by_bytes(
    email_account, dovecot_server, mailbox_user, fetches, django_capture_on_commit_callbacks
):
    small = [mail(n, body="Kein Internet. " * 100) for n in range(1, 6)]  # about 1.7 KB each
    big = mail_with_attachment(9, 3 * 1024 * 1024)  # 4 MB on the server
    dovecot_server.append(mailbox_user, [*small[:3], big, *small[3:]])
    email_account.config = {**email_account.config, "max_mail_bytes": 1024 * 1024, "max_batch_bytes": 4000}
    email_account.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = poll_mailbox(email_account)

    assert (result.fetched, result.accepted, result.last_uid) == (6, 6, 6)
    # Two small mails fit in 4,000 bytes, three do not; the big one is never fetched whole.
    assert fetches == [("whole", [1, 2]), ("whole", [3]), ("head", [4]), ("whole", [5, 6])]
    event = InboundEvent.objects.get(external_id="<big-9@example.org>")
    assert event.status == "processed"
    assert event.payload["truncated"]["size"] == len(big)
    assert len(base64.b64decode(event.payload["raw"])) <= 1024 * 1024 + 1000  # head + first MB of the body
    message = Message.objects.get(external_id="<big-9@example.org>")
    size_mb = f"{len(big) / 1024 / 1024:.1f}".replace(".", ",")
    kept_kb = event.payload["truncated"]["kept"] // 1024
    assert message.text == (
        f"Der Router blinkt rot, Foto anbei.\n\n[E-Mail gekürzt: {size_mb} MB groß. Gespeichert sind die "
        f"ersten {kept_kb} KB (Kopf und Textanfang), ohne Anhänge; das Original liegt im Postfach.]"
    )
    assert message.extra["email"]["truncated"]["size"] == len(big)
    assert not Attachment.objects.exists()
    assert Message.objects.count() == 6
    assert ChannelAccount.objects.get(pk=email_account.pk).cursor["last_uid"] == 6

    # Nothing is stuck: the next poll has nothing new.
    fetches.clear()
    assert poll_mailbox(email_account).fetched == 0
    assert fetches == []


def test_a_mail_below_the_limit_is_fetched_whole_with_its_attachment(
    email_account, dovecot_server, mailbox_user, fetches, django_capture_on_commit_callbacks
):
    dovecot_server.append(mailbox_user, [mail_with_attachment(1, 64 * 1024)])
    with django_capture_on_commit_callbacks(execute=True):
        poll_mailbox(email_account)
    assert fetches == [("whole", [1])]
    assert Attachment.objects.get().message.text == "Der Router blinkt rot, Foto anbei."


def test_quote_stripping_and_html_to_text_see_capped_text(monkeypatch):
    seen: dict[str, int] = {}
    strip = payloads._REPLY_PARSER.parse_reply
    to_text = payloads.html_to_text

    def parse_reply(text: str) -> str:
        seen["quote stripping"] = len(text)
        return str(strip(text=text))

    def html_to_text(markup: str) -> str:
        seen["html to text"] = len(markup)
        return to_text(markup)

    monkeypatch.setattr(payloads._REPLY_PARSER, "parse_reply", parse_reply)
    monkeypatch.setattr(payloads, "html_to_text", html_to_text)
    plain = mail(1, body="> zitiert\r\n" * 500_000)  # 5.5 MB of quotes
    parsed = payloads.parse_mail(plain)
    assert seen["quote stripping"] <= payloads.MAX_TEXT_CHARS
    assert len(parsed.full_text) <= payloads.MAX_TEXT_CHARS
    html = mail(2, body="<p>Hallo</p>" * 500_000).replace(b"text/plain", b"text/html")  # 6 MB of markup
    parsed = payloads.parse_mail(html)
    assert seen["html to text"] <= MAX_HTML_INPUT_CHARS
    assert parsed.full_text.startswith("Hallo")
    assert len(parsed.html) <= payloads.MAX_HTML_KEPT


def test_a_poll_that_lost_its_lease_stops_after_the_batch_it_stored(
    email_account, dovecot_server, mailbox_user, monkeypatch, django_capture_on_commit_callbacks
):
    from resonanz.channels.email import poller
    from resonanz.channels.email.tasks import poll_mailbox_once

    dovecot_server.append(mailbox_user, [mail(n) for n in range(1, 4)])
    email_account.config = {**email_account.config, "max_batch_bytes": 100}  # one mail per batch
    email_account.save()
    commit = poller.commit_batch

    def commit_then_lose_the_lease(*args, **kwargs):
        stored = commit(*args, **kwargs)
        # This poll ran past its lease; another poll took it over.
        ChannelAccount.objects.filter(pk=email_account.pk).update(poll_lease_token="another-poll")
        return stored

    monkeypatch.setattr(poller, "commit_batch", commit_then_lose_the_lease)
    with django_capture_on_commit_callbacks(execute=True):
        assert poll_mailbox_once(email_account.pk) is True
    assert list(InboundEvent.objects.values_list("external_id", flat=True)) == ["<mail-1@example.org>"]
    account = ChannelAccount.objects.get(pk=email_account.pk)
    assert account.cursor["last_uid"] == 1
    assert account.poll_lease_token == "another-poll"  # the other poll's lease is left alone
