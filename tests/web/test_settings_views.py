"""The settings area through HTTP: channel accounts, agents, API tokens, the audit log, the presence switch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from resonanz.channels.models import ChannelAccount
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import AgentFactory, ConversationFactory, WorkspaceFactory
from resonanz.workspaces.actions import do_ensure_skill
from resonanz.workspaces.models import Agent, ApiToken

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def login(agent: Any) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def admin(workspace):
    return make(AgentFactory, workspace=workspace, role="admin", display_name="Ada Admin")


@pytest.fixture
def admin_client(admin):
    return login(admin)


def test_admin_adds_a_webhook_channel_and_sees_url_and_secret_once(admin_client, workspace):
    response = admin_client.post(
        "/settings/channels/add/webhook/", {"name": "Shop-Formular", "identity_kind": "shop"}
    )
    account = ChannelAccount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/settings/channels/{account.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert f"http://testserver/api/channels/{account.pk}/events" in page
    assert account.secret in page
    assert account.secret not in admin_client.get(response["Location"]).content.decode()
    assert (account.kind, account.config, account.workspace) == (
        "webhook",
        {"identity_kind": "shop"},
        workspace,
    )
    assert AuditEntry.objects.get(action="channel.created").object_id == account.pk


@pytest.mark.parametrize(
    ("kind", "form", "message"),
    [
        ("feed", {"name": "Presse", "url": "nicht-url"}, "url: keine http(s)-URL"),
        ("email", {"name": "Support", "address": "s@example.de", "imap_host": "imap.example.de"}, "nötig"),
        ("x", {"name": "X", "user_id": "1", "access_token": "t"}, "secret: für einen Kanal der Art x nötig"),
    ],
)
def test_invalid_channel_settings_are_refused_on_the_form(admin_client, kind, form, message):
    response = admin_client.post(f"/settings/channels/add/{kind}/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ChannelAccount.objects.exists()


def test_a_duplicate_channel_name_is_refused(admin_client):
    admin_client.post("/settings/channels/add/webhook/", {"name": "Shop"})
    response = admin_client.post("/settings/channels/add/webhook/", {"name": "SHOP"})
    assert response.status_code == 400
    assert "gibt es schon" in response.content.decode()
    assert ChannelAccount.objects.count() == 1


def test_secret_fields_are_write_only_and_an_empty_one_keeps_the_value(admin_client):
    admin_client.post(
        "/settings/channels/add/email/",
        {
            "name": "Support",
            "address": "support@example.de",
            "imap_host": "imap.example.de",
            "imap_password": "streng-geheim",
            "smtp_host": "smtp.example.de",
        },
    )
    account = ChannelAccount.objects.get()
    page = admin_client.get(f"/settings/channels/{account.pk}/").content.decode()
    assert "streng-geheim" not in page
    response = admin_client.post(
        f"/settings/channels/{account.pk}/",
        {
            "name": "Support",
            "address": "support@example.de",
            "imap_host": "imap2.example.de",
            "imap_password": "",
            "smtp_host": "smtp.example.de",
        },
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.config["imap_host"], account.config["imap_password"]) == (
        "imap2.example.de",
        "streng-geheim",
    )
    assert AuditEntry.objects.get(action="channel.updated").data["changed"] == ["imap_host"]


def test_disable_and_the_app_widget_snippet(admin_client):
    admin_client.post("/settings/channels/add/app/", {"name": "Kunden-App", "allow_anonymous": "on"})
    account = ChannelAccount.objects.get()
    page = admin_client.get(f"/settings/channels/{account.pk}/").content.decode()
    assert f"data-account=&quot;{account.pk}&quot;" in page and "widget/widget.js" in page
    admin_client.post(f"/settings/channels/{account.pk}/action", {"action": "disable"})
    account.refresh_from_db()
    assert account.status == "disabled"
    assert "deaktiviert" in admin_client.get("/settings/channels/").content.decode()


def test_admin_creates_an_agent_with_a_skill_and_switches_them_online(admin_client, admin, workspace):
    skill = do_ensure_skill(workspace, "Störungen")
    response = admin_client.post(
        "/settings/agents/",
        {
            "username": "ben",
            "display_name": "Ben Berg",
            "password": "sicher-genug-1",
            "role": "agent",
            "languages": "de en",
            "capacity": "12",
            "skills": [str(skill.pk)],
        },
    )
    ben = Agent.objects.get(user__username="ben")
    assert response.status_code == 302
    assert (list(ben.skills.all()), ben.languages, ben.capacity, ben.presence) == (
        [skill],
        ["de", "en"],
        12,
        "offline",
    )
    response = admin_client.post(
        f"/settings/agents/{ben.pk}/",
        {
            "display_name": "Ben Berg",
            "role": "lead",
            "languages": "de",
            "capacity": "12",
            "skills": [str(skill.pk)],
            "presence": "online",
            "active": "on",
        },
    )
    assert response.status_code == 200
    ben.refresh_from_db()
    assert (ben.role, ben.presence, ben.languages) == ("lead", "online", ["de"])
    entry = AuditEntry.objects.get(action="agent.updated")
    assert (entry.actor_id, entry.data["role"], entry.data["presence"]) == (admin.pk, "lead", "online")


def test_deactivating_an_agent_keeps_them_and_blocks_the_login(admin_client, workspace):
    ben = make(AgentFactory, workspace=workspace, role="agent")
    admin_client.post(
        f"/settings/agents/{ben.pk}/",
        {
            "display_name": ben.display_name,
            "role": "agent",
            "languages": "de",
            "capacity": "5",
            "presence": "offline",
        },
    )
    ben.refresh_from_db()
    ben.user.refresh_from_db()
    assert (ben.user.is_active, ben.presence) == (False, "offline")
    assert Client().login(username=ben.user.username, password="geheim-123") is False


def test_tokens_page_shows_the_key_once_and_revokes(admin_client, admin):
    response = admin_client.post(
        "/settings/tokens/",
        {"name": "Telefonanlage", "agent": str(admin.pk), "scope": "cti", "expires": "30"},
    )
    assert response.status_code == 200
    found = re.search(r'id="new-token" readonly value="(rz_[^"]+)"', response.content.decode())
    assert found is not None
    key = found.group(1)
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash_key(key) and token.scope == "cti" and token.expires_at
    assert key not in admin_client.get("/settings/tokens/").content.decode()
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/cti/lookup", {"number": "0221 1234567"}).status_code == 200
    admin_client.post(f"/settings/tokens/{token.pk}/revoke")
    assert api.get("/api/cti/lookup", {"number": "0221 1234567"}).status_code == 401


def test_an_agent_editing_settings_gets_403_and_nothing_changes(workspace):
    agent = make(AgentFactory, workspace=workspace, role="agent")
    client = login(agent)
    assert client.post("/settings/channels/add/webhook/", {"name": "Heimlich"}).status_code == 403
    assert (
        client.post("/settings/tokens/", {"name": "x", "agent": str(agent.pk), "scope": "agent"}).status_code
        == 403
    )
    assert client.post(f"/settings/agents/{agent.pk}/", {"role": "admin"}).status_code == 403
    agent.refresh_from_db()
    assert agent.role == "agent"
    assert not ChannelAccount.objects.exists() and not ApiToken.objects.exists()


def test_an_admin_of_one_workspace_reaches_nothing_of_another(admin_client):
    other = make(WorkspaceFactory, slug="andere", name="Andere")
    stranger = make(AgentFactory, workspace=other, role="agent")
    foreign_account = ChannelAccount.objects.create(workspace=other, kind="webhook", name="Fremd", secret="s")
    assert admin_client.get(f"/settings/agents/{stranger.pk}/").status_code == 404
    response = admin_client.post(
        f"/settings/agents/{stranger.pk}/", {"role": "admin", "password": "uebernommen-1", "active": "on"}
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.role == "agent" and not stranger.user.check_password("uebernommen-1")
    assert admin_client.get(f"/settings/channels/{foreign_account.pk}/").status_code == 404
    assert (
        admin_client.post(f"/settings/channels/{foreign_account.pk}/action", {"action": "delete"}).status_code
        == 404
    )
    assert ChannelAccount.objects.filter(pk=foreign_account.pk).exists()
    assert stranger.display_name not in admin_client.get("/settings/agents/").content.decode()


def test_the_audit_log_is_readable_and_filterable(admin_client):
    admin_client.post("/settings/channels/add/webhook/", {"name": "Shop"})
    account = ChannelAccount.objects.get()
    admin_client.post(f"/settings/channels/{account.pk}/action", {"action": "disable"})
    page = admin_client.get("/settings/audit/").content.decode()
    assert "channel.created" in page and "channel.disabled" in page and "Ada Admin" in page
    filtered = admin_client.get("/settings/audit/", {"action": "channel.disabled"}).content.decode()
    assert "<code>channel.created</code>" not in filtered


def test_every_agent_switches_their_own_presence_in_the_header(workspace):
    agent = make(AgentFactory, workspace=workspace, role="agent", presence="offline")
    client = login(agent)
    assert 'name="presence"' in client.get("/").content.decode()
    response = client.post("/presence/", {"presence": "online", "next": "https://evil.example/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    agent.refresh_from_db()
    assert agent.presence == "online"


def test_the_settings_area_speaks_english_too(admin_client):
    admin_client.post("/language/", {"language": "en", "next": "/"})
    page = admin_client.get("/settings/channels/").content.decode()
    assert "Channel accounts" in page and "Add a channel account" in page
    form = admin_client.get("/settings/channels/add/email/").content.decode()
    assert "IMAP password" in form and "IMAP-Passwort" not in form


@pytest.fixture
def smtp(settings):
    from tests.channels.email.servers import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        yield server


def _invitation_link(smtp) -> str:
    import email

    message = email.message_from_bytes(smtp.handler.received[0]["data"])
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    found = re.search(r"http://testserver(/invite/[^/\s]+/[^/\s]+/)", body)
    assert found is not None, body
    return found.group(1)


def test_an_invited_agent_sets_a_password_once_and_logs_in(admin_client, smtp, workspace):
    response = admin_client.post(
        "/settings/agents/",
        {
            "invite": "1",
            "username": "nina",
            "display_name": "Nina Neu",
            "email": "nina@netzwelt.example",
            "role": "agent",
            "languages": "de",
            "capacity": "10",
        },
    )
    nina = Agent.objects.get(user__username="nina")
    assert response.status_code == 302
    assert not nina.user.has_usable_password()
    assert smtp.handler.received[0]["rcpt_tos"] == ["nina@netzwelt.example"]
    link = _invitation_link(smtp)
    visitor = Client()
    assert "Nina Neu" in visitor.get(link).content.decode()
    mismatch = visitor.post(link, {"password": "ein-gutes-passwort-1", "password_again": "anders"})
    assert mismatch.status_code == 400
    response = visitor.post(
        link, {"password": "ein-gutes-passwort-1", "password_again": "ein-gutes-passwort-1"}
    )
    assert (response.status_code, response["Location"]) == (302, "/")
    assert visitor.get("/").status_code == 200
    assert Client().login(username="nina", password="ein-gutes-passwort-1")
    # The link works once.
    assert Client().get(link).status_code == 404
    assert (
        Client().post(link, {"password": "uebernahme-123", "password_again": "uebernahme-123"}).status_code
        == 404
    )
    assert list(
        AuditEntry.objects.filter(object_id=nina.pk).order_by("pk").values_list("action", flat=True)
    ) == [
        "agent.created",
        "agent.invited",
        "agent.password_set",
    ]


def test_an_invitation_that_cannot_be_sent_saves_nothing(admin_client, settings):
    from tests.channels.email.servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    response = admin_client.post(
        "/settings/agents/",
        {"invite": "1", "username": "nina", "email": "nina@netzwelt.example", "role": "agent"},
    )
    assert response.status_code == 400
    assert "konnte nicht gesendet werden" in response.content.decode()
    assert not Agent.objects.filter(user__username="nina").exists()


def test_a_forged_invitation_link_is_refused(workspace):
    agent = make(AgentFactory, workspace=workspace)
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(agent.user.pk))
    assert Client().get(f"/invite/{uid}/abc-def/").status_code == 404
    assert Client().get("/invite/%%%/abc/").status_code == 404


def test_workspace_settings_are_checked_saved_and_audited(admin_client, workspace, admin):
    form = {
        "name": "Netzwelt Kommunikation GmbH",
        "languages": "de en tr",
        "federal_state": "NW",
        "time_zone": "Europe/Berlin",
        "hours_mon": "08:00-12:00, 13:00-18:00",
        "hours_sat": "09:00-13:00",
        "signature_style": "first_name",
        "private_terms": "Kündigung\nKontonummer\n",
        "response_rate_threshold": "75",
        "response_target_minutes": "30",
        "response_rate_min_posts": "3",
    }
    assert admin_client.post("/settings/workspace/", form).status_code == 200
    workspace.refresh_from_db()
    assert (workspace.name, workspace.languages, workspace.signature_style) == (
        "Netzwelt Kommunikation GmbH",
        ["de", "en", "tr"],
        "first_name",
    )
    assert workspace.settings["business_hours"] == {
        "mon": [["08:00", "12:00"], ["13:00", "18:00"]],
        "sat": [["09:00", "13:00"]],
    }
    assert (workspace.settings["federal_state"], workspace.settings["response_rate_threshold"]) == (
        "NW",
        0.75,
    )
    assert workspace.settings["understanding"]["private_terms"] == ["Kündigung", "Kontonummer"]
    from resonanz.conversations.sla import calendar_for

    assert calendar_for(workspace).federal_state == "NW"
    entry = AuditEntry.objects.get(action="workspace.updated")
    assert entry.actor_id == admin.pk and "federal_state" in entry.data["changed"]
    for bad, message in (
        ({"federal_state": "XX"}, "federal_state"),
        ({"hours_tue": "8 bis 18"}, "business_hours.tue"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"response_rate_threshold": "150"}, "response_rate_threshold"),
    ):
        response = admin_client.post("/settings/workspace/", {**form, **bad})
        assert response.status_code == 400 and message in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.settings["federal_state"] == "NW"
    assert AuditEntry.objects.filter(action="workspace.updated").count() == 1


def test_the_first_visit_to_a_fresh_install_sets_it_up_once(db):
    from resonanz.understanding.models import Topic
    from resonanz.workspaces.models import Workspace

    client = Client()
    assert client.get("/login/")["Location"] == "/setup/"
    response = client.post(
        "/setup/",
        {
            "company": "Netzwelt",
            "username": "jana",
            "password": "erstes-passwort-1",
            "password_again": "erstes-passwort-1",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/settings/workspace/?first=1")
    assert "Die ersten Schritte" in client.get(response["Location"]).content.decode()
    jana = Agent.objects.get()
    assert (jana.role, jana.user.is_staff, jana.workspace.name) == ("admin", False, "Netzwelt")
    assert Topic.objects.filter(workspace=jana.workspace).exists()
    # Set up: the setup is gone, the login page is back.
    assert Client().get("/setup/").status_code == 404
    again = Client().post(
        "/setup/",
        {
            "company": "Fremd",
            "username": "mallory",
            "password": "x-passwort-123",
            "password_again": "x-passwort-123",
        },
    )
    assert again.status_code == 404
    assert Workspace.objects.count() == 1
    assert Client().get("/login/").status_code == 200


def test_a_lead_switches_a_colleague_online_and_an_agent_cannot(workspace):
    lead = make(AgentFactory, workspace=workspace, role="lead")
    colleague = make(AgentFactory, workspace=workspace, role="agent", presence="offline")
    stranger = make(
        AgentFactory, workspace=make(WorkspaceFactory, slug="andere", name="Andere"), presence="offline"
    )
    client = login(lead)
    assert colleague.display_name in client.get("/team/").content.decode()
    assert client.post("/team/", {"agent": str(colleague.pk), "presence": "online"}).status_code == 302
    colleague.refresh_from_db()
    assert colleague.presence == "online"
    assert AuditEntry.objects.get(action="agent.presence_set").data == {"presence": "online"}
    assert client.post("/team/", {"agent": str(stranger.pk), "presence": "online"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.presence == "offline"
    assert login(colleague).post("/team/", {"agent": str(lead.pk), "presence": "offline"}).status_code == 403


def test_an_older_mailbox_with_its_password_in_the_secret_can_be_edited(admin_client, workspace):
    account = ChannelAccount.objects.create(
        workspace=workspace,
        kind="email",
        name="Altes Postfach",
        secret="geheim-imap",
        config={"address": "alt@example.de", "imap_host": "imap.example.de", "smtp_host": "smtp.example.de"},
    )
    response = admin_client.post(
        f"/settings/channels/{account.pk}/",
        {
            "name": "Altes Postfach",
            "address": "alt@example.de",
            "imap_host": "imap2.example.de",
            "smtp_host": "smtp.example.de",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    account.refresh_from_db()
    assert (account.config["imap_host"], account.secret) == ("imap2.example.de", "geheim-imap")


def test_a_new_mailbox_needs_its_password(admin_client):
    response = admin_client.post(
        "/settings/channels/add/email/",
        {
            "name": "S",
            "address": "s@example.de",
            "imap_host": "imap.example.de",
            "smtp_host": "smtp.example.de",
        },
    )
    assert (
        response.status_code == 400
        and "imap_password: für einen Kanal der Art email nötig" in response.content.decode()
    )


def test_company_holidays_close_the_sla_calendar_and_a_bad_date_is_refused(admin_client, workspace):
    import datetime as dt

    from resonanz.conversations.sla import calendar_for

    form = {"name": workspace.name, "languages": "de", "federal_state": "NW", "time_zone": "Europe/Berlin"}
    form |= {"hours_mon": "08:00-18:00", "hours_tue": "08:00-18:00", "signature_style": "initials"}
    form |= {"response_rate_threshold": "80", "response_target_minutes": "60", "response_rate_min_posts": "5"}
    response = admin_client.post("/settings/workspace/", {**form, "closed_days": "24.12.2026\n2026-12-28\n"})
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert workspace.settings["closed_days"] == ["2026-12-24", "2026-12-28"]
    calendar = calendar_for(workspace)
    assert calendar.is_closed_day(dt.date(2026, 12, 28))  # a Monday, no public holiday in NW
    assert not calendar.is_closed_day(dt.date(2026, 12, 29))
    bad = admin_client.post("/settings/workspace/", {**form, "closed_days": "bald"})
    assert bad.status_code == 400 and "closed_days" in bad.content.decode()
    assert "2026-12-24" in admin_client.get("/settings/workspace/").content.decode()


def test_a_lead_sees_each_colleagues_load_and_presence_in_words(workspace, fake_account):
    lead = make(AgentFactory, workspace=workspace, role="lead", capacity=3)
    busy = make(AgentFactory, workspace=workspace, role="agent", presence="away", capacity=2)
    for status in ("open", "pending", "solved"):
        make(ConversationFactory, channel_account=fake_account, owner=busy, status=status)
    page = login(lead).get("/team/").content.decode()
    row = page[page.index(f'data-load="{busy.pk}"') :]
    assert row[row.index(">") + 1 :].startswith("2 / 2")  # the solved one is no load; full
    assert "voll" in row[: row.index("</td>")]
    lead_row = page[page.index(f'data-load="{lead.pk}"') :]
    assert lead_row[lead_row.index(">") + 1 :].startswith("0 / 3")
    assert ">abwesend</option>" in page and ">away</option>" not in page


def test_the_business_hours_name_their_weekdays_in_the_ui_language(admin_client):
    page = admin_client.get("/settings/workspace/").content.decode()
    assert '<label for="w-hours-mon">Montag</label>' in page and ">mon</label>" not in page
    english = admin_client.get("/settings/workspace/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<label for="w-hours-sun">Sunday</label>' in english
