"""The one explicit list of channel adapters. URLs, admin choices, docs and the CLI read it."""

from __future__ import annotations

from django.utils.module_loading import import_string

from resonanz.channels.base import ChannelAdapter

ADAPTERS: list[str] = [
    "resonanz.channels.fake.adapter.FakeAdapter",
    "resonanz.channels.webhook.adapter.WebhookAdapter",
    "resonanz.channels.app.adapter.AppAdapter",
    "resonanz.channels.email.adapter.EmailAdapter",
    "resonanz.channels.feeds.adapter.FeedAdapter",
    "resonanz.channels.x.adapter.XAdapter",
    "resonanz.channels.facebook.adapter.FacebookAdapter",
    "resonanz.channels.phone.adapter.PhoneAdapter",
]

_cache: dict[str, ChannelAdapter] = {}


def _load() -> dict[str, ChannelAdapter]:
    if not _cache:
        for path in ADAPTERS:
            adapter = import_string(path)()
            _cache[adapter.key] = adapter
    return _cache


def get_adapter(key: str) -> ChannelAdapter:
    try:
        return _load()[key]
    except KeyError:
        raise KeyError(f"no channel adapter {key!r}; known: {sorted(_load())}") from None


def all_adapters() -> list[ChannelAdapter]:
    return list(_load().values())
