"""IMAP IDLE against the real Dovecot: a poll right away, and another the moment a mail arrives."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command

from resonanz.channels.email.client import ImapSettings
from resonanz.channels.email.idle import idle_loop
from tests.channels.email.servers import PASSWORD


def test_idle_polls_at_start_and_when_mail_arrives(dovecot_server, mailbox_user):
    dovecot_server.append(mailbox_user, [b"From: a@example.org\r\nMessage-ID: <i-0@x>\r\n\r\nvorher\r\n"])
    settings = ImapSettings(
        host="127.0.0.1", port=dovecot_server.port, username=mailbox_user, password=PASSWORD, security="none"
    )
    polls: list[int] = []
    changed = threading.Condition()
    stop = threading.Event()

    def poll() -> None:
        with changed:
            polls.append(len(polls) + 1)
            changed.notify_all()

    thread = threading.Thread(
        target=idle_loop, args=(lambda: settings, poll, stop), kwargs={"check_seconds": 0.2}
    )
    thread.start()
    try:
        with changed:
            assert changed.wait_for(lambda: len(polls) >= 1, timeout=15)
        # whether the loop is already in IDLE or not yet: the server announces the mail either way
        dovecot_server.append(mailbox_user, [b"From: b@example.org\r\nMessage-ID: <i-1@x>\r\n\r\nneu\r\n"])
        with changed:
            assert changed.wait_for(lambda: len(polls) >= 2, timeout=15)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert polls[:2] == [1, 2]


@pytest.mark.django_db
def test_imapidle_command_refuses_when_there_is_no_mailbox():
    with pytest.raises(CommandError, match="no e-mail channel account to watch"):
        call_command("imapidle")
