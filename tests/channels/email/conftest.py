from __future__ import annotations

from pathlib import Path

import pytest

from resonanz.testing.factories import ChannelAccountFactory
from tests.channels.email.servers import DOVECOT, Dovecot, SmtpServer

FIXTURES = Path(__file__).resolve().parents[3] / "resonanz" / "channels" / "email" / "fixtures"


def fixture_mail(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def dovecot_server():
    if DOVECOT is None:
        pytest.skip(
            "!!! Dovecot is NOT installed: the IMAP tests are SKIPPED "
            "(apt-get install dovecot-imapd; .ci/run installs it)"
        )
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox_user(dovecot_server):
    return dovecot_server.add_user()


@pytest.fixture
def email_account(workspace, dovecot_server, mailbox_user):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="email",
        name="Support-Postfach",
        secret="geheim-imap",
        is_public=False,
        config=dovecot_server.account_config(mailbox_user),
    )


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server
