"""The one list of channels: `settings.RESONANZ_CHANNELS` names the channel packages, each of which declares
itself in its `channel.py` (`CHANNEL`, a `ChannelSpec`). URLs, the agent API's channel routers, the
background tasks and pollers, the settings form, the CLI, the fake platforms and the docs index read it
here (decision 0810)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from resonanz.channels.base import ChannelAdapter
from resonanz.channels.spec import ChannelSpec
from resonanz.core.encryption import is_secret_name

if TYPE_CHECKING:
    from django.urls import URLPattern, URLResolver

# Keyed by the package list, so a test that overrides the setting sees its own channels.
_specs: dict[tuple[str, ...], dict[str, ChannelSpec]] = {}
_adapters: dict[type[ChannelAdapter], ChannelAdapter] = {}


def channel_packages() -> tuple[str, ...]:
    return tuple(settings.RESONANZ_CHANNELS)


def _load() -> dict[str, ChannelSpec]:
    packages = channel_packages()
    found = _specs.get(packages)
    if found is None:
        found = {}
        for package in packages:
            spec = getattr(import_module(f"{package}.channel"), "CHANNEL", None)
            if not isinstance(spec, ChannelSpec):
                raise ImproperlyConfigured(f"{package}.channel has no CHANNEL = ChannelSpec(...)")
            if spec.kind in found:
                raise ImproperlyConfigured(f"two channels of kind {spec.kind!r}: {package}")
            _check(package, spec)
            found[spec.kind] = spec
        _specs[packages] = found
    return found


def _check(package: str, spec: ChannelSpec) -> None:
    if package.rsplit(".", 1)[-1] != spec.kind and package.startswith("resonanz."):
        raise ImproperlyConfigured(f"{package}: a built-in channel's package is named after its kind")
    for field in spec.config:
        # Secret config values are encrypted at rest by their key's name (decision 0542); "secret" itself
        # is ChannelAccount.secret, encrypted whole.
        if field.secret and field.key != "secret" and not is_secret_name(field.key):
            raise ImproperlyConfigured(
                f"{package}: secret field {field.key!r} would be stored in plain text; name it …_password, "
                "…_token, …_secret, …_api_key or …_private_key"
            )


def get_channel(kind: str) -> ChannelSpec:
    try:
        return _load()[kind]
    except KeyError:
        raise KeyError(f"no channel of kind {kind!r}; known: {sorted(_load())}") from None


def all_channels() -> list[ChannelSpec]:
    return list(_load().values())


def get_adapter(kind: str) -> ChannelAdapter:
    """The channel's adapter; one instance per process (it holds no per-installation state)."""
    cls = get_channel(kind).adapter
    adapter = _adapters.get(cls)
    if adapter is None:
        adapter = _adapters.setdefault(cls, cls())
    return adapter


def all_adapters() -> list[ChannelAdapter]:
    return [get_adapter(spec.kind) for spec in all_channels()]


def channel_label(kind: str) -> str:
    """The channel's translated name; an unknown kind (a removed channel's accounts) reads as itself."""
    try:
        return str(get_channel(kind).label)
    except KeyError:
        return kind


def kind_badge(kind: str) -> str | None:
    """The short name of a channel kind on badges, or None for a kind that is no channel."""
    spec = _load().get(kind)
    return None if spec is None else str(spec.badge or spec.label)


def platform_kind(kind: str, config: dict[str, Any] | None) -> str:
    """The platform a channel account stands for (`ChannelAdapter.platform_kind`); an unknown kind is itself."""
    try:
        adapter = get_adapter(kind)
    except KeyError:
        return kind
    return adapter.platform_kind(config or {})


def load_tasks() -> list[str]:
    """Import every channel's tasks module, which registers its tasks and periodic jobs; returns them."""
    modules = [spec.tasks for spec in all_channels() if spec.tasks]
    for module in modules:
        import_module(module)
    return modules


def url_patterns() -> list[URLPattern | URLResolver]:
    """The channels' own URLs, included at the site root by resonanz/urls.py."""
    from django.urls import include, path

    return [path("", include(spec.urls)) for spec in all_channels() if spec.urls]


def api_routers() -> list[tuple[str, Any]]:
    """(prefix, router) of every channel router, mounted in the agent API by resonanz/api/views.py."""
    routers = []
    for spec in all_channels():
        for mounted in spec.api_routers:
            module, _, name = mounted.router.rpartition(".")
            routers.append((mounted.prefix, getattr(import_module(module), name)))
    return routers
