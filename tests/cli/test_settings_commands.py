"""The settings commands as scripts use them: `channel`, `token`, `agent`, `operator`, `init --admin`.
Their names and JSON keys are contracts (issue 12 item 7)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from resonanz.channels.models import ChannelAccount
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import event
from resonanz.workspaces.models import Agent, ApiToken, Workspace

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


@pytest.fixture
def workspace_ready(db):
    run("init", "--workspace", "Netzwelt Kommunikation")
    return Workspace.objects.get()


def test_init_with_admin_creates_the_first_admin_once(monkeypatch):
    monkeypatch.setenv("RESONANZ_ADMIN_PASSWORD", "erstes-passwort-1")
    first = run("init", "--workspace", "Netzwelt", "--admin", "chefin")
    second = run("init", "--workspace", "Netzwelt", "--admin", "chefin")
    assert "admin 'chefin' created" in first
    assert "exists already" in second
    admin = Agent.objects.get()
    assert (admin.role, admin.user.is_staff, admin.user.is_superuser) == ("admin", False, False)
    assert admin.user.check_password("erstes-passwort-1")
    assert AuditEntry.objects.filter(action="agent.created").count() == 1


def test_channel_add_webhook_prints_url_and_secret_once(workspace_ready, settings):
    settings.PUBLIC_URL = "https://resonanz.example.de"
    data = run_json("channel", "add", "webhook", "--name", "Shop-Formular", "--set", "identity_kind=shop")
    account = ChannelAccount.objects.get()
    assert data["id"] == account.pk
    assert data["kind"] == "webhook"
    assert data["webhook_url"] == f"https://resonanz.example.de/api/channels/{account.pk}/events"
    assert data["secret"] == account.secret and len(account.secret) >= 32
    assert account.config == {"identity_kind": "shop"}
    shown = run_json("channel", "show", str(account.pk))
    assert "secret" not in shown
    assert account.secret not in json.dumps(shown)
    entry = AuditEntry.objects.get(action="channel.created")
    assert account.secret not in json.dumps(entry.data)
    # The printed URL and secret work: a signed event is accepted.
    from resonanz.testing.helpers import signed_post

    response = signed_post(Client(), f"/api/channels/{account.pk}/events", data["secret"], event("cli-1"))
    assert response.status_code == 200


def test_channel_add_email_keeps_the_password_out_of_show_and_list(workspace_ready):
    data = run_json(
        "channel",
        "add",
        "email",
        "--name",
        "Support",
        "--set",
        "address=support@netzwelt.example",
        "--set",
        "imap_host=imap.netzwelt.example",
        "--set",
        "imap_password=streng-geheim",
        "--set",
        "smtp_host=smtp.netzwelt.example",
    )
    assert data["kind"] == "email" and data["webhook_url"] is None and "secret" not in data
    assert "streng-geheim" not in run("channel", "list", "--json")
    assert "streng-geheim" not in run("channel", "show", str(data["id"]), "--json")
    assert ChannelAccount.objects.get().config["imap_password"] == "streng-geheim"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feed", "--name", "Presse", "--set", "url=ftp://example.de/feed"], "url: keine http(s)-URL"),
        (["feed", "--name", "Presse", "--set", "url=https://exa mple.de/"], "url: keine http(s)-URL"),
        (
            ["email", "--name", "Support", "--set", "address=support@netzwelt.example"],
            "imap_host: für einen Kanal der Art email nötig",
        ),
        (
            ["x", "--name", "X", "--set", "user_id=1", "--set", "access_token=t"],
            "secret: für einen Kanal der Art x nötig",
        ),
        (["webhook", "--name", "W", "--set", "colour=blue"], "Unbekannte Einstellung „colour“"),
        (["webhook", "--name", "W", "--set", "novalue"], "--set takes key=value"),
        (
            ["email", "--name", "S", "--set", "imap_port=99999"],
            "imap_port: ein Port liegt zwischen 1 und 65535",
        ),
    ],
)
def test_invalid_channel_configuration_is_refused_and_nothing_saved(workspace_ready, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("channel", "add", *args)
    assert not ChannelAccount.objects.exists()
    assert not AuditEntry.objects.filter(action="channel.created").exists()


def test_a_duplicate_channel_name_is_refused(workspace_ready):
    run("channel", "add", "webhook", "--name", "Shop")
    with pytest.raises(CommandError, match="gibt es schon"):
        run("channel", "add", "webhook", "--name", "shop")
    assert ChannelAccount.objects.count() == 1


def test_channel_test_and_disable(workspace_ready):
    account_id = run_json("channel", "add", "webhook", "--name", "Shop")["id"]
    assert run_json("channel", "test", str(account_id))["ok"] is True
    assert run_json("channel", "disable", str(account_id))["status"] == "disabled"
    assert run_json("channel", "enable", str(account_id))["status"] == "healthy"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["channel.created", "channel.disabled", "channel.enabled"]
    with pytest.raises(CommandError, match="no channel account 999"):
        run("channel", "show", "999")


def test_channel_test_of_an_unreachable_mailbox_fails_with_exit_code(workspace_ready):
    account_id = run_json(
        "channel",
        "add",
        "email",
        "--name",
        "Support",
        "--set",
        "address=s@netzwelt.example",
        "--set",
        "imap_host=127.0.0.1",
        "--set",
        "imap_port=1",
        "--set",
        "imap_security=none",
        "--set",
        "imap_password=x",
        "--set",
        "smtp_host=127.0.0.1",
        "--set",
        "timeout_seconds=2",
    )["id"]
    with pytest.raises(CommandError, match=r"127\.0\.0\.1 ist nicht erreichbar"):
        run("channel", "test", str(account_id))
    assert ChannelAccount.objects.get().status == "unhealthy"


def test_agent_add_update_list(workspace_ready):
    data = run_json(
        "agent",
        "add",
        "mia",
        "--name",
        "Mia Kramer",
        "--role",
        "lead",
        "--team",
        "Technik",
        "--skill",
        "Störungen",
        "--language",
        "de",
        "--language",
        "en",
        "--capacity",
        "15",
        "--password",
        "sicher-genug-1",
    )
    assert {
        k: data[k] for k in ("username", "role", "teams", "skills", "languages", "capacity", "presence")
    } == {
        "username": "mia",
        "role": "lead",
        "teams": ["technik"],
        "skills": ["storungen"],
        "languages": ["de", "en"],
        "capacity": 15,
        "presence": "offline",
    }
    updated = run_json(
        "agent", "update", "mia", "--presence", "online", "--capacity", "10", "--role", "agent"
    )
    assert (updated["presence"], updated["capacity"], updated["role"]) == ("online", 10, "agent")
    entry = AuditEntry.objects.filter(action="agent.updated").get()
    assert entry.data == {"username": "mia", "presence": "online", "capacity": 10, "role": "agent"}
    listed = run_json("agent", "list")
    assert [a["username"] for a in listed] == ["mia"]
    deactivated = run_json("agent", "update", "mia", "--deactivate")
    assert (deactivated["active"], deactivated["presence"]) == (False, "offline")
    with pytest.raises(CommandError, match="Kapazität: 0 bis 500"):
        run("agent", "update", "mia", "--capacity", "9999")
    with pytest.raises(CommandError, match="ist kein Sprachcode"):
        run("agent", "update", "mia", "--language", "deutsch!")


def test_a_refused_agent_leaves_no_team_behind(workspace_ready):
    with pytest.raises(CommandError, match="8 Zeichen"):
        run("agent", "add", "kurt", "--team", "Neu", "--password", "kurz")
    assert not Agent.objects.exists()
    assert not workspace_ready.teams.exists()


def test_token_create_list_revoke_for_the_telephony_system(workspace_ready):
    run("agent", "add", "telefonanlage", "--name", "Telefonanlage", "--integration")
    integration = Agent.objects.get()
    assert (integration.capacity, integration.user.has_usable_password()) == (0, False)
    data = run_json("token", "create", "--agent", "telefonanlage", "--scope", "cti", "--expires", "365")
    assert data["scope"] == "cti" and data["token"].startswith("rz_") and data["expires_at"]
    client = Client(headers={"Authorization": f"Bearer {data['token']}"})
    assert client.get("/api/cti/lookup", {"number": "0221 1234567"}).status_code == 200
    assert client.get("/api/conversations").status_code == 403
    listed = run("token", "list", "--json")
    assert data["token"] not in listed
    assert json.loads(listed)[0]["prefix"] == data["token"][:10]
    assert run_json("token", "revoke", str(data["id"]))["revoked_at"]
    assert client.get("/api/cti/lookup", {"number": "0221 1234567"}).status_code == 401


def test_token_create_refuses_bad_input(workspace_ready):
    run("agent", "add", "shop", "--integration")
    with pytest.raises(CommandError, match="braucht das Kanalkonto"):
        run("token", "create", "--agent", "shop", "--scope", "ingest")
    with pytest.raises(CommandError, match="no agent 'niemand'"):
        run("token", "create", "--agent", "niemand", "--scope", "read")
    with pytest.raises(CommandError, match="no channel account 999"):
        run("token", "create", "--agent", "shop", "--scope", "ingest", "--channel", "999")
    assert not ApiToken.objects.exists()


def test_errors_exit_non_zero_with_a_clear_message_from_the_console_script(tmp_path):
    """The real console script: exit code 1 and the message on stderr (a fresh database in tmp_path)."""
    env = {"RESONANZ_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = [sys.executable, "-m", "resonanz"]
    subprocess.run([*script, "init"], env=env, check=True, capture_output=True, timeout=120)
    result = subprocess.run(
        [*script, "channel", "add", "feed", "--name", "Presse", "--set", "url=nicht-url", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "url: keine http(s)-URL: „nicht-url“" in result.stderr
    assert result.stdout == ""
