"""The Facebook channel (decision 0300): page comments and Messenger by the page webhook; answers as
comments or Messenger messages; comments can be hidden."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import TIMEOUT, URL, ConfigField
from resonanz.channels.connection import ConnectionResult, test_platform_call
from resonanz.channels.facebook.adapter import FacebookAdapter, client_for
from resonanz.channels.models import ChannelAccount
from resonanz.channels.spec import ApiRouter, ChannelSpec, FakePlatform


def test_connection(account: ChannelAccount) -> ConnectionResult:
    page = str(account.config.get("page_id") or "me")
    return test_platform_call(
        account, lambda: client_for(account).request("GET", page, params={"fields": "id,name"})
    )


CHANNEL = ChannelSpec(
    adapter=FacebookAdapter,
    label=_("Facebook-Seite"),
    badge="Facebook",
    config=(
        ConfigField("secret", _("App-Secret"), secret=True, required=True),
        ConfigField("page_id", _("Seiten-ID"), required=True),
        ConfigField("page_access_token", _("Seiten-Zugriffstoken"), secret=True, required=True),
        ConfigField("verify_token", _("Verify-Token"), secret=True, required=True),
        ConfigField("api_base_url", _("API-Adresse"), URL, default="https://graph.facebook.com"),
        TIMEOUT,
    ),
    public=True,
    webhook=True,
    api_routers=(ApiRouter("/facebook", "resonanz.channels.facebook.api.router"),),
    connection_test=test_connection,
    fake_platform=FakePlatform(
        server="resonanz.channels.facebook.fake_server.start_fake",
        connect="resonanz.channels.facebook.fake_server.connect_config",
        account_name="Netzwelt auf Facebook (Demo)",
        chatter="resonanz.channels.facebook.fake_server.chatter",
    ),
    docs="docs/channels/facebook.md",
)
