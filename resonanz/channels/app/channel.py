"""The app channel (decisions 0400-0406): the company's own app and the web widget, with a customer API of
their own at /api/app/."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.app.adapter import AppAdapter
from resonanz.channels.config import BOOL, LIST, SECRET, ConfigField
from resonanz.channels.models import ChannelAccount
from resonanz.channels.spec import ApiRouter, ChannelSpec


def widget_snippet(account: ChannelAccount, base_url: str) -> str:
    """The script tag that puts the widget on the company's own pages."""
    return (
        f'<script src="{base_url}widget/widget.js" data-account="{account.pk}" '
        f'data-api="{base_url}" defer></script>'
    )


CHANNEL = ChannelSpec(
    adapter=AppAdapter,
    label=_("App / Web-Widget"),
    badge=_("App"),
    config=(
        SECRET,
        ConfigField(
            "allowed_origins", _("Erlaubte Ursprünge"), LIST, help=_("https://www.example.de, kommagetrennt")
        ),
        ConfigField("allow_anonymous", _("Anonyme Besucher erlauben"), BOOL, default=True),
    ),
    webhook=True,
    urls="resonanz.channels.app.urls",
    api_routers=(ApiRouter("/address-changes", "resonanz.channels.app.api.address_changes_router"),),
    setup_snippet=widget_snippet,
    docs="docs/channels/app.md",
)
