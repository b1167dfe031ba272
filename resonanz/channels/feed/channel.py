"""The feed channel (decision 0353): listening on RSS/Atom feeds of blogs, forums and review sites."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import TIMEOUT, URL, ConfigField
from resonanz.channels.feed.adapter import FeedAdapter
from resonanz.channels.feed.connection import test_feed
from resonanz.channels.spec import ChannelSpec

CHANNEL = ChannelSpec(
    adapter=FeedAdapter,
    label=_("Feed (RSS/Atom)"),
    badge=_("Blog/Feed"),
    config=(
        ConfigField("url", _("Feed-Adresse"), URL, required=True),
        TIMEOUT,
    ),
    public=True,
    tasks="resonanz.channels.feed.tasks",
    connection_test=test_feed,
    docs="docs/channels/feed.md",
)
