"""The fake channel (decision 0303): speaks the generic event format and imitates any identity kind, for
tests, the demo and `resonanz replay`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import CHOICE, SECRET, ConfigField
from resonanz.channels.fake.adapter import FakeAdapter
from resonanz.channels.spec import ChannelSpec

# Imitated kinds whose posts are public.
PUBLIC_IMITATIONS = frozenset({"x", "facebook", "forum"})


def imitates_a_public_platform(config: dict[str, Any]) -> bool:
    return config.get("imitates") in PUBLIC_IMITATIONS


CHANNEL = ChannelSpec(
    adapter=FakeAdapter,
    label=_("Fake (Test und Demo)"),
    config=(
        SECRET,
        ConfigField(
            "imitates",
            _("Ahmt nach"),
            CHOICE,
            default="x",
            choices=("x", "facebook", "forum", "email", "app", "phone", "webhook"),
        ),
    ),
    public_if=imitates_a_public_platform,
    webhook=True,
    docs="docs/channels/fake.md",
    offered=False,
)
