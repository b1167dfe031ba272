"""The channel registry drives everything about a channel (issue 11.3, decision 0810): a throw-away channel
package in the tests (`tests/channels/dummy_channel/`) and one line in RESONANZ_CHANNELS give it a settings
form, an endpoint of its own, the generic webhook, a poller and outbound actions, with no other change."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.urls import clear_url_caches

from resonanz.channels import registry
from resonanz.channels.config import ConfigField
from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.channels.spec import ChannelSpec
from resonanz.conversations.models import Conversation, Message
from resonanz.core import queue, scheduler
from resonanz.testing.factories import AgentFactory
from tests.channels.dummy_channel import adapter as dummy

REPOSITORY = Path(__file__).resolve().parents[2]
DUMMY = "tests.channels.dummy_channel"


def _reload_urls() -> None:
    import resonanz.urls

    importlib.reload(resonanz.urls)
    clear_url_caches()


@pytest.fixture
def dummy_channel(settings, monkeypatch):
    """The one registry line; the channel's tasks register on copies of the queue's and scheduler's
    tables, so nothing of it outlives the test."""
    monkeypatch.setattr(queue, "_TASKS", dict(queue._TASKS))
    monkeypatch.setattr(scheduler, "_JOBS", dict(scheduler._JOBS))
    settings.RESONANZ_CHANNELS = [*settings.RESONANZ_CHANNELS, DUMMY]
    sys.modules.pop(f"{DUMMY}.tasks", None)
    registry.load_tasks()
    _reload_urls()
    dummy.SENT.clear()
    yield
    sys.modules.pop(f"{DUMMY}.tasks", None)
    sys.modules.pop(f"{DUMMY}.views", None)
    sys.modules.pop(f"{DUMMY}.urls", None)
    settings.RESONANZ_CHANNELS = [p for p in settings.RESONANZ_CHANNELS if p != DUMMY]
    _reload_urls()


@pytest.fixture
def admin_client(workspace):
    admin = AgentFactory(workspace=workspace, role="admin")
    client = Client()
    client.force_login(admin.user)
    return client


FORM = {
    "name": "Dummy Support",
    "secret": "geteiltes-geheimnis",
    "api_token": "streng-geheimes-token",
    "api_base_url": "https://api.dummy.example",
}


def _add_account(admin_client) -> ChannelAccount:
    response = admin_client.post("/settings/channels/add/dummy/", FORM)
    assert response.status_code == 302, response.content.decode()[:500]
    return ChannelAccount.objects.get(kind="dummy")


def test_a_channel_not_in_the_registry_does_not_exist(admin_client):
    assert admin_client.get("/settings/channels/add/dummy/").status_code == 404
    assert "Dummy-Kanal" not in admin_client.get("/settings/channels/").content.decode()


def test_its_settings_form_is_generated_checked_and_keeps_secrets_encrypted(dummy_channel, admin_client):
    assert "Dummy-Kanal" in admin_client.get("/settings/channels/").content.decode()
    page = admin_client.get("/settings/channels/add/dummy/").content.decode()
    assert 'name="api_base_url"' in page and 'id="f-api_base_url"' in page
    assert 'type="password" name="api_token"' in page
    refused = admin_client.post("/settings/channels/add/dummy/", {**FORM, "api_base_url": "kein-url"})
    assert refused.status_code == 400
    assert "api_base_url: keine http(s)-URL" in refused.content.decode()
    missing = admin_client.post("/settings/channels/add/dummy/", {**FORM, "api_token": ""})
    assert (
        missing.status_code,
        "api_token: für einen Kanal der Art dummy nötig" in missing.content.decode(),
    ) == (400, True)
    assert not ChannelAccount.objects.filter(kind="dummy").exists()

    account = _add_account(admin_client)
    assert (account.config["api_token"], account.config["poll_every_seconds"], account.secret) == (
        "streng-geheimes-token",
        60,
        "geteiltes-geheimnis",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT config, secret FROM channels_channelaccount WHERE id = %s", [account.pk])
        stored_config, stored_secret = cursor.fetchone()
    assert "streng-geheimes-token" not in str(stored_config)
    assert "geteiltes-geheimnis" not in str(stored_secret)
    edit = admin_client.get(f"/settings/channels/{account.pk}/").content.decode()
    assert "streng-geheimes-token" not in edit and "https://api.dummy.example" in edit
    assert f"/api/channels/{account.pk}/events" in edit  # a webhook channel shows its URL
    admin_client.post(f"/settings/channels/{account.pk}/action", {"action": "test"})
    assert "Dummy: verbunden" in admin_client.get(f"/settings/channels/{account.pk}/").content.decode()


def test_the_generic_webhook_stores_its_events_and_its_adapter_answers(
    dummy_channel, admin_client, workspace, django_capture_on_commit_callbacks
):
    account = _add_account(admin_client)
    body = json.dumps({"messages": [{"id": "1", "from": "kim", "text": "Mein Paket ist weg"}]}).encode()
    client = Client()
    url = f"/api/channels/{account.pk}/events"
    wrong = client.post(url, body, content_type="application/json", headers={dummy.SIGNATURE_HEADER: "x"})
    assert wrong.status_code == 401
    signed = {dummy.SIGNATURE_HEADER: dummy.sign(account.secret, body)}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, body, content_type="application/json", headers=signed)
    assert answer.status_code == 200
    message = Message.objects.get(channel_account=account)
    assert (message.text, message.author_identity.kind, message.author_identity.handle) == (
        "Mein Paket ist weg",
        "dummy",
        "kim",
    )

    agent = AgentFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_send_reply(agent, message.conversation, "Wir schauen nach.")
    delivery = OutboundDelivery.objects.get(message=reply)
    assert (delivery.action, delivery.status) == ("direct_message", "sent")  # the adapter chose it
    assert [(account.pk, "direct_message", "Wir schauen nach.", "dummy-1")] == dummy.SENT
    assert registry.get_adapter("dummy").announcement_action(account) == "publish_post"


def test_its_own_endpoint_and_its_poller_store_what_waits(
    dummy_channel, admin_client, workspace, django_capture_on_commit_callbacks
):
    from tests.channels.dummy_channel import tasks

    account = _add_account(admin_client)
    tasks.WAITING[account.pk] = [{"id": "7", "from": "lou", "text": "Rechnung doppelt", "public": True}]
    body = b"{}"
    client = Client()
    unsigned = client.post(f"/dummy/{account.pk}/waiting", body, content_type="application/json")
    assert unsigned.status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/dummy/{account.pk}/waiting",
            body,
            content_type="application/json",
            headers={dummy.SIGNATURE_HEADER: dummy.sign(account.secret, body)},
        )
    assert response.status_code == 202
    assert Message.objects.get(channel_account=account).text == "Rechnung doppelt"

    # The scheduler's job for the channel, named by the scheme channels.<kind>.poll_due, enqueues the poll.
    tasks.WAITING[account.pk] = [{"id": "8", "from": "lou", "text": "Und jetzt?"}]
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler.registered_jobs()["channels.dummy.poll_due"].func() == [account.pk]
    assert Message.objects.filter(channel_account=account).count() == 2
    assert Conversation.objects.filter(channel_account=account).count() >= 1
    assert "channels.dummy.poll" in queue.registered_tasks()


def test_every_registered_channel_declares_itself_completely():
    for spec in registry.all_channels():
        assert spec.label and spec.kind == spec.adapter.kind
        assert (REPOSITORY / spec.docs).is_file(), f"{spec.kind}: docs page {spec.docs!r} is missing"
        assert spec.adapter.outbound_actions >= {
            a for a in ("reply", "direct_message") if a in spec.adapter.capabilities
        }, spec.kind
    tasks = set(queue.registered_tasks()) | set(scheduler.registered_jobs())
    for name in tasks:
        if name.split(".")[0] in {spec.kind for spec in registry.all_channels()} | {"feeds"}:
            assert name in {"email.poll_mailbox", "feeds.poll_feed"}, f"{name}: use channels.<kind>.<verb>"


def test_a_secret_field_that_would_be_stored_in_plain_text_is_refused(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from tests.channels.dummy_channel import channel

    leaky = ChannelSpec(
        adapter=dummy.DummyAdapter,
        label="Dummy",
        config=(ConfigField("pin", "PIN", secret=True),),
    )
    monkeypatch.setattr(channel, "CHANNEL", leaky)
    monkeypatch.setattr(registry, "_specs", {})
    settings.RESONANZ_CHANNELS = [*settings.RESONANZ_CHANNELS, DUMMY]
    with pytest.raises(ImproperlyConfigured, match="plain text"):
        registry.all_channels()


def test_the_cli_lists_the_kinds_from_the_registry_and_the_settings_docs_name_every_field(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("channel", "kinds", "--json", stdout=out)
    kinds = {row["kind"]: row for row in json.loads(out.getvalue())}
    assert set(kinds) == {spec.kind for spec in registry.all_channels() if spec.offered}
    email = {field["key"]: field for field in kinds["email"]["fields"]}
    assert (email["imap_host"]["required"], email["imap_password"]["secret"]) == (True, True)
    assert (kinds["x"]["webhook"], kinds["feed"]["webhook"]) == (True, False)
    docs = (REPOSITORY / "docs" / "settings.md").read_text(encoding="utf-8").splitlines()
    for kind, row in kinds.items():
        line = next((line for line in docs if line.startswith(f"| `{kind}` |")), "")
        missing = [field["key"] for field in row["fields"] if field["key"] not in line]
        assert not missing, f"docs/settings.md: the row of {kind} lacks {missing}"
