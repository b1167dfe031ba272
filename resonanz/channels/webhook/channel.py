"""The generic webhook channel (decision 0002): any system that can sign and post the generic event
format (a shop's contact form, a forum)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import SECRET, ConfigField
from resonanz.channels.spec import ChannelSpec
from resonanz.channels.webhook.adapter import WebhookAdapter

CHANNEL = ChannelSpec(
    adapter=WebhookAdapter,
    label=_("Webhook"),
    badge=_("Webhook"),
    config=(
        SECRET,
        ConfigField("identity_kind", _("Art der Identität"), default="webhook", help=_("z. B. forum, shop")),
    ),
    webhook=True,
    docs="docs/channels/webhook.md",
)
