"""The dummy channel's one declaration: everything Resonanz needs to know about it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import NUMBER, URL, ConfigField
from resonanz.channels.connection import ConnectionResult
from resonanz.channels.models import ChannelAccount
from resonanz.channels.spec import ChannelSpec
from tests.channels.dummy_channel.adapter import DummyAdapter


def test_connection(account: ChannelAccount) -> ConnectionResult:
    if account.config.get("api_token") == "kaputt":
        return ConnectionResult(False, "Dummy: Token abgelehnt", "auth")
    return ConnectionResult(True, "Dummy: verbunden")


CHANNEL = ChannelSpec(
    adapter=DummyAdapter,
    label=_("Dummy-Kanal"),
    config=(
        ConfigField("secret", _("Geheimnis"), secret=True, required=True),
        ConfigField("api_token", _("API-Token"), secret=True, required=True),
        ConfigField("api_base_url", _("API-Adresse"), URL, required=True),
        ConfigField("poll_every_seconds", _("Abfrage alle (Sekunden)"), NUMBER, default=60),
    ),
    public=False,
    webhook=True,
    urls="tests.channels.dummy_channel.urls",
    tasks="tests.channels.dummy_channel.tasks",
    connection_test=test_connection,
    docs="tests/channels/dummy_channel/README.md",
)
