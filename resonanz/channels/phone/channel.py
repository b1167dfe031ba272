"""The phone channel (decision 0205): calls from the CTI system become messages; agents add call notes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import SECRET
from resonanz.channels.phone.adapter import PhoneAdapter
from resonanz.channels.spec import ApiRouter, ChannelSpec

CHANNEL = ChannelSpec(
    adapter=PhoneAdapter,
    label=_("Telefon (CTI)"),
    badge=_("Telefon"),
    config=(SECRET,),
    webhook=True,
    api_routers=(ApiRouter("/conversations", "resonanz.channels.phone.api.call_notes_router"),),
    docs="docs/channels/phone.md",
)
