"""Channel secrets and mailbox passwords are encrypted at rest (issue 10 item 19)."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from resonanz.channels.email.client import imap_settings, smtp_settings
from resonanz.channels.models import ChannelAccount
from resonanz.testing.factories import ChannelAccountFactory

MIGRATION = __import__("resonanz.channels.migrations.0003_encrypt_credentials", fromlist=["encrypt_existing"])

MAILBOX_CONFIG = {
    "address": "hilfe@netzwelt.example",
    "imap_host": "imap.netzwelt.example",
    "imap_password": "imap-Passwort-1",
    "smtp_password": "smtp-Passwort-2",
    "page_access_token": "EAAB-page-token",
    "poll_every_seconds": 60,
}


def raw_row(pk: int) -> tuple[str, dict[str, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, config FROM channels_channelaccount WHERE id = %s", [pk])
        secret, config = cursor.fetchone()
    return secret, config if isinstance(config, dict) else json.loads(config)


def decrypt_with(key: str, stored: str) -> str:
    assert stored.startswith("fernet:")
    return Fernet(key).decrypt(stored.removeprefix("fernet:").encode()).decode()


@pytest.fixture
def mailbox(workspace):
    return ChannelAccountFactory(
        workspace=workspace, kind="email", secret="Mailbox-Passwort", config=MAILBOX_CONFIG
    )


def test_credentials_are_not_stored_in_plain_text(mailbox, settings):
    secret, config = raw_row(mailbox.pk)
    assert "Mailbox-Passwort" not in secret
    key = settings.ENCRYPTION_KEYS[0]
    assert decrypt_with(key, secret) == "Mailbox-Passwort"
    for name in ("imap_password", "smtp_password", "page_access_token"):
        assert decrypt_with(key, str(config[name])) == MAILBOX_CONFIG[name]
    # Everything that is not a credential stays readable and queryable.
    assert config["address"] == "hilfe@netzwelt.example"
    assert config["poll_every_seconds"] == 60
    assert ChannelAccount.objects.filter(config__address="hilfe@netzwelt.example").get() == mailbox


def test_readers_get_the_plain_values(mailbox):
    account = ChannelAccount.objects.get(pk=mailbox.pk)
    assert account.secret == "Mailbox-Passwort"
    assert account.config == MAILBOX_CONFIG
    assert imap_settings(account).password == "imap-Passwort-1"
    assert smtp_settings(account).password == "smtp-Passwort-2"


def test_the_migration_encrypts_rows_written_before_it(mailbox):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE channels_channelaccount SET secret = %s, config = %s WHERE id = %s",
            ["alt-im-Klartext", json.dumps({"imap_password": "alt", "imap_host": "h"}), mailbox.pk],
        )
    legacy = ChannelAccount.objects.get(pk=mailbox.pk)
    assert (legacy.secret, legacy.config) == ("alt-im-Klartext", {"imap_password": "alt", "imap_host": "h"})

    MIGRATION.encrypt_existing(apps, connection.schema_editor())

    secret, config = raw_row(mailbox.pk)
    assert secret.startswith("fernet:")
    assert str(config["imap_password"]).startswith("fernet:")
    assert config["imap_host"] == "h"
    account = ChannelAccount.objects.get(pk=mailbox.pk)
    assert (account.secret, account.config) == ("alt-im-Klartext", {"imap_password": "alt", "imap_host": "h"})


def test_rotate_re_encrypts_with_the_new_key(mailbox, settings):
    old = settings.ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new, old]
    assert ChannelAccount.objects.get(pk=mailbox.pk).secret == "Mailbox-Passwort"  # old values still read

    call_command("secrets", "rotate")

    secret, config = raw_row(mailbox.pk)
    assert decrypt_with(new, secret) == "Mailbox-Passwort"
    assert decrypt_with(new, str(config["imap_password"])) == "imap-Passwort-1"
    settings.ENCRYPTION_KEYS = [new]  # the old key is dropped
    assert ChannelAccount.objects.get(pk=mailbox.pk).config == MAILBOX_CONFIG


def test_a_dropped_key_fails_clearly(mailbox, settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted with any of the configured"):
        ChannelAccount.objects.get(pk=mailbox.pk)


def test_a_malformed_key_fails_clearly(settings, workspace):
    settings.ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="encryption key 1 is not a Fernet key"):
        ChannelAccountFactory(workspace=workspace, secret="x")


def test_embedded_mode_makes_a_private_key_file(settings, tmp_path, workspace):
    settings.ENCRYPTION_KEYS = []
    settings.SCALE_OUT = False
    settings.DATA_DIR = tmp_path / "data"
    account = ChannelAccountFactory(workspace=workspace, secret="geheim")
    key_file = tmp_path / "data" / "encryption_keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert decrypt_with(key_file.read_text().strip(), raw_row(account.pk)[0]) == "geheim"


def test_rotate_with_a_new_key_in_the_key_file(settings, tmp_path, workspace):
    settings.ENCRYPTION_KEYS = []
    settings.SCALE_OUT = False
    settings.DATA_DIR = tmp_path / "data"
    account = ChannelAccountFactory(workspace=workspace, secret="geheim")
    key_file = tmp_path / "data" / "encryption_keys"
    old = key_file.read_text().strip()

    call_command("secrets", "rotate", "--new-key")

    new = key_file.read_text().strip()
    assert new != old
    assert len(new.splitlines()) == 1
    assert decrypt_with(new, raw_row(account.pk)[0]) == "geheim"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_scale_out_mode_needs_keys_from_the_environment(settings, workspace):
    settings.ENCRYPTION_KEYS = []
    settings.SCALE_OUT = True
    with pytest.raises(ImproperlyConfigured, match="RESONANZ_ENCRYPTION_KEYS"):
        ChannelAccountFactory(workspace=workspace, secret="x")


def test_run_worker_refuses_in_scale_out_mode_without_keys(tmp_path):
    env = {
        key: value
        for key, value in __import__("os").environ.items()
        if not key.startswith("RESONANZ_") and key not in ("DATABASE_URL", "BROKER_URL")
    }
    env.update(
        RESONANZ_DATA_DIR=str(tmp_path / "data"),
        RESONANZ_ENV_FILE="/nonexistent",
        BROKER_URL="redis://127.0.0.1:6379/12",
        RESONANZ_SECRET_KEY="k" * 60,
    )
    resonanz = str(Path(sys.executable).parent / "resonanz")
    result = subprocess.run([resonanz, "run", "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RESONANZ_ENCRYPTION_KEYS" in result.stderr


def test_generate_key_prints_a_usable_key():
    out = io.StringIO()
    call_command("secrets", "generate-key", stdout=out)
    key = out.getvalue().strip()
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"
