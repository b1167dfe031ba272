"""The X channel (decision 0300): mentions by polling and the filtered stream, DMs by the Account
Activity webhook; replies as threads, private answers as DMs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import BOOL, TIMEOUT, URL, ConfigField
from resonanz.channels.connection import ConnectionResult, test_platform_call
from resonanz.channels.models import ChannelAccount
from resonanz.channels.spec import ChannelSpec, FakePlatform
from resonanz.channels.x.adapter import XAdapter, client_for


def test_connection(account: ChannelAccount) -> ConnectionResult:
    return test_platform_call(
        account, lambda: client_for(account).request("GET", "/2/users/me", endpoint="users/me")
    )


CHANNEL = ChannelSpec(
    adapter=XAdapter,
    label=_("X (Twitter)"),
    badge="X",
    config=(
        ConfigField("secret", _("Consumer Secret"), secret=True, required=True),
        ConfigField("user_id", _("Nutzer-ID des Kontos"), required=True),
        ConfigField("access_token", _("Zugriffstoken (OAuth 2.0)"), secret=True, required=True),
        ConfigField("refresh_token", _("Refresh-Token"), secret=True),
        ConfigField("client_id", _("OAuth-Client-ID (für das Erneuern)")),
        ConfigField("client_secret", _("OAuth-Client-Secret"), secret=True),
        ConfigField("bearer_token", _("App-Token (Suche)"), secret=True),
        ConfigField("api_base_url", _("API-Adresse"), URL, default="https://api.x.com"),
        ConfigField("poll", _("Erwähnungen abfragen"), BOOL, default=True),
        TIMEOUT,
    ),
    public=True,
    webhook=True,
    tasks="resonanz.channels.x.tasks",
    connection_test=test_connection,
    fake_platform=FakePlatform(
        server="resonanz.channels.x.fake_server.start_fake",
        connect="resonanz.channels.x.fake_server.connect_config",
        account_name="@netzwelt_hilft (Demo)",
        chatter="resonanz.channels.x.fake_server.chatter",
    ),
    docs="docs/channels/x.md",
)
