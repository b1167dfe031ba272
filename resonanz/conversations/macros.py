"""Macros: canned answers with a tiny placeholder syntax, rendered safely.

`{customer_name}` is replaced by its value; `{{` and `}}` write a literal brace; nothing else is special.
A placeholder whose value is empty (`{incident_status}` when nothing is known) renders nothing, and the
blank after it goes too when it stood between words, so no double space is left behind.
Values are inserted in one pass and never scanned again, so a customer called "{agent_signature}" or
"{{ settings.SECRET_KEY }}" stays exactly that text. No template engine ever sees a macro or a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from resonanz.core.errors import InvalidInput

MAX_MACRO_LENGTH = 10_000
VARIABLES = (
    "customer_name",
    "customer_first_name",
    "agent_name",
    "agent_first_name",
    "agent_initials",
    "agent_signature",
    "incident_status",
)
_TOKEN = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}")
_TOKEN_AND_BLANKS = re.compile(r"\{\{|\}\}|\{([a-z_]+)\}([ \t]*)")


class _Customer(Protocol):
    display_name: str


class _Agent(Protocol):
    display_name: str
    initials: str
    signature: str

    @property
    def first_name(self) -> str: ...


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in _TOKEN.finditer(text) if m.group(1)]


def check_macro_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(_("Ein Textbaustein braucht Text"))
    if len(text) > MAX_MACRO_LENGTH:
        raise InvalidInput(
            _("Ein Textbaustein darf höchstens %(limit)s Zeichen haben") % {"limit": MAX_MACRO_LENGTH}
        )
    unknown = sorted({name for name in placeholders(text) if name not in VARIABLES})
    if unknown:
        raise InvalidInput(
            _("Unbekannte Platzhalter %(unknown)s; möglich sind %(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join("{" + v + "}" for v in VARIABLES)}
        )
    return text


def render(text: str, variables: Mapping[str, str]) -> str:
    """Replace known placeholders; an unknown one is left as written."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name, blanks = match.group(1), match.group(2)
        if name not in variables:
            return token
        value = variables[name]
        if not value and (match.start() == 0 or text[match.start() - 1] in " \t\n"):
            return ""  # an empty value between words: drop the blank after it as well
        return value + blanks

    return _TOKEN_AND_BLANKS.sub(substitute, text)


def signature_of(agent: _Agent, style: str) -> str:
    """How the agent signs public replies: the agent's own signature, else the workspace's style."""
    if agent.signature:
        return agent.signature
    if style == "first_name":
        return f"– {agent.first_name}"
    if style == "initials" and agent.initials:
        return f"^{agent.initials}"
    return ""


def incident_status_for(conversation_id: int, language: str) -> str | None:
    """The incident status line for a customer, or None when nothing is known.

    The incidents app plugs in through settings.INCIDENT_STATUS_PROVIDER (a dotted path to
    `f(conversation_id, language) -> str | None`). Without a provider, or when it returns None, we have no
    information, and a macro must then say nothing rather than claim there is no outage: the placeholder
    renders empty."""
    provider = getattr(settings, "INCIDENT_STATUS_PROVIDER", "")
    if provider:
        status = import_string(provider)(conversation_id, language)
        if status:
            return str(status)
    return None


def variables_for(
    customer: _Customer,
    agent: _Agent,
    *,
    signature_style: str,
    incident_status: str | None,
) -> dict[str, str]:
    name = customer.display_name.strip()
    return {
        "customer_name": name,
        "customer_first_name": name.split(" ")[0] if name else "",
        "agent_name": agent.display_name,
        "agent_first_name": agent.first_name,
        "agent_initials": agent.initials,
        "agent_signature": signature_of(agent, signature_style),
        "incident_status": incident_status or "",
    }


_CHANNEL_KIND = re.compile(r"[a-z][a-z0-9_]{0,29}")


def check_channel_kinds(kinds: Iterable[str]) -> list[str]:
    """The channel kinds a macro is limited to: plain kind names, each once, in order (empty: all)."""
    out: list[str] = []
    for kind in kinds:
        kind = kind.strip().lower()
        if not kind:
            continue
        if not _CHANNEL_KIND.fullmatch(kind):
            raise InvalidInput(_("keine Kanalart: „%(kind)s“") % {"kind": kind[:40]})
        if kind not in out:
            out.append(kind)
    return out[:20]
