"""Deflection in the widget and the app: answers that match what the customer is typing, shown before it is
sent. The channel layer only asks; the answers come from a higher layer (knowledge and community), which
registers a provider at start-up (`resonanz.community.apps`). Without one there are no matches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from resonanz.channels.models import ChannelAccount

EVENTS = ("opened", "asked")


@dataclass(frozen=True)
class Match:
    kind: str  # "article" or "community_answer"
    title: str
    text: str  # a short excerpt
    url: str  # a path on this installation's public pages


class Provider(Protocol):
    def matches(self, account: ChannelAccount, text: str, language: str, visit: str) -> list[Match]: ...

    def record(self, account: ChannelAccount, visit: str, event: str) -> bool: ...


_provider: Provider | None = None


def register(provider: Provider) -> None:
    global _provider
    _provider = provider


def matches(account: ChannelAccount, text: str, language: str, visit: str) -> list[Match]:
    return _provider.matches(account, text, language, visit) if _provider is not None else []


def record(account: ChannelAccount, visit: str, event: str) -> bool:
    return _provider.record(account, visit, event) if _provider is not None else False
