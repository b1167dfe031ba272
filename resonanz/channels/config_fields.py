"""The field types of a channel's typed configuration and the description of one field. A channel package
declares its fields with these in its `channel.py` (`ChannelSpec.config`); `config.py` checks values against
them. Kept apart from `config.py`, which reads the registry, so that the spec does not depend on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEXT, URL, HOST, PORT, NUMBER, BOOL, EMAIL, LIST, CHOICE = (
    "text",
    "url",
    "host",
    "port",
    "number",
    "bool",
    "email",
    "list",
    "choice",
)


@dataclass(frozen=True)
class ConfigField:
    key: str
    label: Any  # a lazy German string
    type: str = TEXT
    required: bool = False
    secret: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: Any = ""
