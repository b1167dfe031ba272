"""The e-mail channel: a mailbox polled over IMAP (or held open with IDLE), answers by SMTP."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import CHOICE, EMAIL, HOST, PORT, TIMEOUT, ConfigField
from resonanz.channels.email.adapter import EmailAdapter
from resonanz.channels.email.connection import test_mailbox
from resonanz.channels.spec import ChannelSpec
from resonanz.core.errors import InvalidInput


def check_new(config: dict[str, Any], secret: str | None) -> None:
    # Older accounts keep the password in ChannelAccount.secret (client.py); a new one needs it here.
    if not config.get("imap_password") and not secret:
        raise InvalidInput(gettext("imap_password: für einen Kanal der Art email nötig"))


CHANNEL = ChannelSpec(
    adapter=EmailAdapter,
    label=_("E-Mail"),
    badge=_("E-Mail"),
    config=(
        ConfigField("address", _("Adresse"), EMAIL, required=True),
        ConfigField("display_name", _("Absendername")),
        ConfigField("imap_host", _("IMAP-Server"), HOST, required=True),
        ConfigField("imap_port", _("IMAP-Port"), PORT),
        ConfigField(
            "imap_security",
            _("IMAP-Verschlüsselung"),
            CHOICE,
            default="ssl",
            choices=("ssl", "starttls", "none"),
        ),
        ConfigField("imap_username", _("IMAP-Benutzer")),
        ConfigField("imap_password", _("IMAP-Passwort"), secret=True),
        ConfigField("imap_folder", _("IMAP-Ordner"), default="INBOX"),
        ConfigField("smtp_host", _("SMTP-Server"), HOST, required=True),
        ConfigField("smtp_port", _("SMTP-Port"), PORT),
        ConfigField(
            "smtp_security",
            _("SMTP-Verschlüsselung"),
            CHOICE,
            default="starttls",
            choices=("ssl", "starttls", "none"),
        ),
        ConfigField("smtp_username", _("SMTP-Benutzer")),
        ConfigField("smtp_password", _("SMTP-Passwort"), secret=True),
        TIMEOUT,
    ),
    check_new=check_new,
    tasks="resonanz.channels.email.tasks",
    connection_test=test_mailbox,
    docs="docs/channels/email.md",
)
