"""The typed configuration of channel accounts: the field types, how a value is checked, and how a whole
configuration is cleaned. Each channel package declares its own fields in its `channel.py`
(`ChannelSpec.config`); the settings form (`channels/forms.py`), the CLI (`resonanz channel add KIND --set
key=value`) and docs/settings.md are built from that one description (decisions 0702, 0810).

The channel account's ``secret`` (webhook signature key, X consumer secret, app user-token key…) is the
field ``secret``; every other field is stored in ``config``. Secret fields are write-only: they are never
shown again, only replaced.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from resonanz.channels.config_fields import (  # the channel packages import them from here
    BOOL,
    CHOICE,
    EMAIL,
    HOST,
    LIST,
    NUMBER,
    PORT,
    TEXT,
    URL,
    ConfigField,
)
from resonanz.core.errors import InvalidInput

__all__ = ["BOOL", "CHOICE", "EMAIL", "HOST", "LIST", "NUMBER", "PORT", "TEXT", "URL", "ConfigField"]

# Fields several channels share.
SECRET = ConfigField("secret", _("Geheimnis"), secret=True, help=_("leer lassen: wird erzeugt"))
TIMEOUT = ConfigField("timeout_seconds", _("Zeitlimit (Sekunden)"), NUMBER, default=10)

_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def fields_of(kind: str) -> tuple[ConfigField, ...]:
    """The kind's fields, as its channel package declares them (`channel.py`)."""
    from resonanz.channels.registry import all_channels, get_channel

    try:
        return get_channel(kind).config
    except KeyError:
        known = ", ".join(sorted(spec.kind for spec in all_channels()))
        raise InvalidInput(
            gettext("Unbekannte Kanalart „%(kind)s“; erlaubt sind %(known)s") % {"kind": kind, "known": known}
        ) from None


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOST.match(value))


def clean_value(field: ConfigField, raw: Any) -> Any:
    """One value from a form or `--set key=value`, checked and typed; InvalidInput names the field."""
    if isinstance(raw, str):
        raw = raw.strip()
    if field.type == BOOL:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "ja", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "nein", "off", ""):
            return False
        raise InvalidInput(
            gettext("%(key)s: kein Ja/Nein-Wert: „%(value)s“") % {"key": field.key, "value": raw}
        )
    if field.type == LIST:
        items = raw if isinstance(raw, list) else [p for p in re.split(r"[,\s]+", str(raw)) if p]
        return [str(item).strip() for item in items if str(item).strip()]
    value = str(raw)
    if field.type in (PORT, NUMBER):
        try:
            number = float(value) if field.type == NUMBER else int(value)
        except ValueError:
            raise InvalidInput(
                gettext("%(key)s: keine Zahl: „%(value)s“") % {"key": field.key, "value": value}
            ) from None
        if field.type == PORT and not 1 <= int(number) <= 65535:
            raise InvalidInput(gettext("%(key)s: ein Port liegt zwischen 1 und 65535") % {"key": field.key})
        if field.type == NUMBER and not 0 < number <= 3600:
            raise InvalidInput(gettext("%(key)s: muss zwischen 0 und 3600 liegen") % {"key": field.key})
        return number
    if field.type == URL:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or not _is_host(parts.hostname):
            raise InvalidInput(
                gettext("%(key)s: keine http(s)-URL: „%(value)s“") % {"key": field.key, "value": value}
            )
    if field.type == HOST and not _is_host(value):
        raise InvalidInput(
            gettext("%(key)s: kein Hostname: „%(value)s“") % {"key": field.key, "value": value}
        )
    if field.type == EMAIL and not _EMAIL.match(value):
        raise InvalidInput(
            gettext("%(key)s: keine E-Mail-Adresse: „%(value)s“") % {"key": field.key, "value": value}
        )
    if field.type == CHOICE and value not in field.choices:
        raise InvalidInput(
            gettext("%(key)s: erlaubt sind %(choices)s")
            % {"key": field.key, "choices": ", ".join(field.choices)}
        )
    if len(value) > 2000:
        raise InvalidInput(gettext("%(key)s: zu lang") % {"key": field.key})
    return value


@dataclass(frozen=True)
class CleanConfig:
    config: dict[str, Any]
    # None: keep (on an edit) or generate (on create).
    secret: str | None


def clean_config(
    kind: str, values: dict[str, Any], *, existing: dict[str, Any] | None = None, has_secret: bool = False
) -> CleanConfig:
    """Check every value against the kind's fields. On an edit (``existing`` given) an empty secret field
    keeps the stored value. Unknown keys and missing required fields are refused: nothing is saved half."""
    fields = {f.key: f for f in fields_of(kind)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InvalidInput(
            gettext(
                "Unbekannte Einstellung „%(setting)s“ für einen Kanal der Art %(kind)s; bekannt sind: %(known)s"
            )
            % {"setting": unknown[0], "kind": kind, "known": ", ".join(sorted(fields))}
        )
    config: dict[str, Any] = dict(existing or {})
    secret: str | None = None
    # The values given are checked first, so a wrong value is named before a missing one.
    typed = {
        key: clean_value(fields[key], raw)
        for key, raw in values.items()
        if key != "secret" and raw is not None and not (isinstance(raw, str) and raw.strip() == "")
    }
    for key, field in fields.items():
        raw = values.get(key)
        given = raw is not None and not (isinstance(raw, str) and raw.strip() == "")
        if key == "secret":
            if given:
                secret = str(raw).strip()
            elif field.required and not has_secret:
                raise InvalidInput(
                    gettext("%(key)s: für einen Kanal der Art %(kind)s nötig") % {"key": key, "kind": kind}
                )
            continue
        if given:
            config[key] = typed[key]
        elif field.secret and key in config:
            continue  # write-only: empty means keep
        elif key in values and not field.secret and not field.required:
            config.pop(key, None)  # cleared on purpose
        elif field.required and key not in config:
            raise InvalidInput(
                gettext("%(key)s: für einen Kanal der Art %(kind)s nötig") % {"key": key, "kind": kind}
            )
        elif key not in config and field.default is not None:
            config[key] = field.default
    return CleanConfig(config, secret)


def public_config(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """The configuration without secret values (shown as set / not set)."""
    try:
        secret_keys = {f.key for f in fields_of(kind) if f.secret}
    except InvalidInput:
        secret_keys = set(config)  # a removed channel's account: show nothing
    return {key: ("••••" if key in secret_keys and value else value) for key, value in config.items()}
