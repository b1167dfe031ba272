"""What a channel package says about itself, in one place: its `channel.py` holds one `ChannelSpec` named
`CHANNEL`. The registry (`registry.py`, fed by the `RESONANZ_CHANNELS` setting) reads these and nothing
else: the settings form, the CLI, the URLs, the agent API, the background tasks and pollers, the fake
platforms of the demo and the docs index all come from here (decision 0810). Adding a channel is a new
package plus one line in `RESONANZ_CHANNELS` (docs/tutorials/writing-a-channel.md).

A `ChannelSpec` describes the channel (the adapter class is its code); a `ChannelAccount` row is one
installation of it (credentials, config, status).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from resonanz.channels.base import ChannelAdapter
from resonanz.channels.config_fields import ConfigField

if TYPE_CHECKING:
    from resonanz.channels.connection import ConnectionResult
    from resonanz.channels.models import ChannelAccount


@dataclass(frozen=True)
class ApiRouter:
    """A Django Ninja router of the channel, mounted in the agent API at ``/api/<prefix>``."""

    prefix: str
    router: str  # dotted path to the `ninja.Router`, imported when the API is built


@dataclass(frozen=True)
class FakePlatform:
    """A local fake of the platform's API for the demo: `resonanz fakeplatform <kind>`."""

    # Dotted path to a callable (host, port) -> a started-able `FakePlatformServer` subclass instance.
    server: str
    # Dotted path to a callable (server) -> (config, secret): how a channel account points at the fake.
    connect: str
    # The channel account `--connect` creates.
    account_name: str
    # Dotted path to a callable (server, account, turn, text, username, name) -> None that makes one
    # customer write (`--chatter`); empty: the fake stays quiet.
    chatter: str = ""


@dataclass(frozen=True)
class ChannelSpec:
    # The adapter class: the channel's kind (`ChannelAccount.kind`), identity kind, capabilities and
    # outbound actions are facts of its code.
    adapter: type[ChannelAdapter]
    # The channel's name in the settings, a lazy German string (translated like every other).
    label: str | Promise
    # The short name on the kind badge in the inbox and on identities ("X", "E-Mail"); default: label.
    badge: str | Promise = ""
    # The typed configuration of a channel account; secret fields are marked and stored encrypted.
    config: tuple[ConfigField, ...] = ()
    # Posts on it are visible to everyone (a public reply is public).
    public: bool = False
    # For a channel whose publicity depends on its configuration (the fake imitating X): config -> public.
    public_if: Callable[[dict[str, Any]], bool] | None = None
    # The platform pushes to the generic webhook URL `/api/channels/<id>/events` (or the channel's own
    # API takes a shared secret): the settings show the URL and the secret once.
    webhook: bool = False
    # Checks a whole new configuration beyond its fields (a rule over two fields); raise InvalidInput.
    check_new: Callable[[dict[str, Any], str | None], None] | None = None
    # Dotted path of a module with `urlpatterns`, included at the site root (the app channel's customer API).
    urls: str = ""
    # Routers mounted in the agent API.
    api_routers: tuple[ApiRouter, ...] = ()
    # Dotted path of the module that registers the channel's tasks and periodic jobs (pollers) with the
    # queue seam; task names follow `channels.<kind>.<verb>` (decision 0811).
    tasks: str = ""
    # "Test the connection": account -> ConnectionResult; None: nothing to test beyond the secret.
    connection_test: Callable[[ChannelAccount], ConnectionResult] | None = None
    # A line of HTML-free text to paste into the company's own pages (the app widget's script tag):
    # (account, base_url) -> text; empty: none.
    setup_snippet: Callable[[ChannelAccount, str], str] | None = None
    fake_platform: FakePlatform | None = None
    # The channel's page under docs/, relative to the repository.
    docs: str = ""
    # Offered in the settings' "add a channel account" list (the fake channel is for tests and the demo).
    offered: bool = True

    @property
    def kind(self) -> str:
        return self.adapter.kind

    @property
    def identity_kind(self) -> str:
        return self.adapter.identity_kind

    def is_public(self, config: dict[str, Any]) -> bool:
        return self.public_if(config) if self.public_if is not None else self.public

    @property
    def secret_keys(self) -> frozenset[str]:
        return frozenset(f.key for f in self.config if f.secret)
