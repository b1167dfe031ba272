"""Issue 12 item 9 in a real browser: an admin connects a webhook channel and a mailbox (against local IMAP
and SMTP servers), invites an agent who accepts and logs in, gives them a skill, and creates a token for the
telephony system that the CTI lookup answers. Writes docs/img/settings.png with RESONANZ_SCREENSHOTS=1."""

from __future__ import annotations

import email
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from resonanz.channels.models import ChannelAccount
from resonanz.testing.factories import PASSWORD as AGENT_PASSWORD
from resonanz.testing.factories import AgentFactory, WorkspaceFactory, event
from resonanz.testing.helpers import signed_post
from resonanz.workspaces.actions import do_create_agent, do_ensure_skill
from resonanz.workspaces.models import Agent
from tests.channels.email.servers import DOVECOT, PASSWORD, Dovecot, SmtpServer

from .pages import LoginPage
from .settings_pages import SettingsPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def dovecot():
    if DOVECOT is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield server


def test_an_admin_sets_up_the_company_in_the_browser(page, browser, live_server, dovecot, smtp, tmp_path):
    workspace = WorkspaceFactory()
    admin = AgentFactory(
        workspace=workspace, role=Agent.Role.ADMIN, display_name="Jana Wöhler", initials="JW"
    )
    do_ensure_skill(workspace, "Störungen")
    do_create_agent(
        workspace, username="telefonanlage", password=None, display_name="Telefonanlage", capacity=0
    )
    base = live_server.url

    LoginPage(page, base).open().log_in(admin.user.username, AGENT_PASSWORD)
    settings_page = SettingsPage(page, base).open_from_header()

    # A webhook channel: the URL and secret to copy work for a signed push.
    webhook_id = settings_page.add_channel("Webhook", "Shop-Formular", {"identity_kind": "shop"})
    expect(page.locator("#webhook-url")).to_have_value(f"{base}/api/channels/{webhook_id}/events")
    secret = page.locator("#secret").input_value()
    assert secret == ChannelAccount.objects.get(pk=webhook_id).secret
    assert (
        signed_post(Client(), f"/api/channels/{webhook_id}/events", secret, event("shop-1")).status_code
        == 200
    )

    # A mailbox against the local IMAP and SMTP servers; the connection test logs in to both.
    user = dovecot.add_user()
    settings_page.add_channel(
        "E-Mail",
        "Support-Postfach",
        {
            "address": "support@netzwelt.example",
            "imap_host": "127.0.0.1",
            "imap_port": str(dovecot.port),
            "imap_security": "none",
            "imap_username": user,
            "imap_password": PASSWORD,
            "smtp_host": "127.0.0.1",
            "smtp_port": str(smtp.port),
            "smtp_security": "none",
        },
    )
    assert "Postfach und Versand funktionieren" in settings_page.test_connection()
    expect(page.locator("#f-imap_password")).to_have_value("")  # write-only

    # Invite an agent; they accept with the one-time link from the e-mail and are logged in.
    settings_page.invite("nina", "Nina Neu", "nina@netzwelt.example")
    mail = email.message_from_bytes(smtp.handler.received[0]["data"])
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    link = re.search(r"https?://\S+/invite/\S+/", body.decode())
    assert link is not None
    invited = browser.new_context(locale="de-DE").new_page()
    invited.goto(link.group(0))
    invited.fill("#i-password", "ein-gutes-passwort-1")
    invited.fill("#i-password-again", "ein-gutes-passwort-1")
    invited.click("button[type=submit]")
    invited.wait_for_url(f"{base}/")
    expect(invited.locator(".me .name")).to_have_text("Nina Neu")
    invited.context.close()

    # Give her a skill.
    settings_page.give_skill("Nina Neu", "Störungen")
    assert list(Agent.objects.get(user__username="nina").skills.values_list("name", flat=True)) == [
        "Störungen"
    ]

    # A token for the telephony system; the CTI lookup answers with it, and only that.
    key = settings_page.create_token("Telefonanlage", "Telefonanlage", "cti")
    request = urllib.request.Request(
        f"{base}/api/cti/lookup?number=0221%201234567", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["number"]

    settings_page.go("Kanalkonten")
    expect(page.locator(".settings-table")).to_contain_text("Support-Postfach")
    target = DOCS_IMG if os.environ.get("RESONANZ_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "settings.png"))
