"""The agent persona: how an agent signs public replies ("… ^MK", "… – Mia", as the workspace's
`signature_style` says) and what customers see of them (name, initials, photo; the app widget shows the
photo). An agent's own data, so it lives with the agent in `workspaces`; the channels apply the signature
when they send (`resonanz/channels/persona.py`), and the agent API's `/api/agents/me` is `workspaces/api.py`.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.workspaces.configuration import SIGNATURE_STYLES
from resonanz.workspaces.models import Agent

ELLIPSIS = "…"
_PHOTO_URL = re.compile(r"^(https?://[^\s\"'<>\\]+|/(?!/)[^\s\"'<>\\]*)$")

__all__ = ["SIGNATURE_STYLES", "check_photo_url", "do_update_agent_persona", "sign_text", "signature_for"]


def signature_for(style: str, *, first_name: str, initials: str) -> str:
    """ "^MK" for initials, "– Mia" for the first name, "" for none (or when the agent lacks the part)."""
    if style == "initials" and initials.strip():
        return "^" + initials.strip()
    if style == "first_name" and first_name.strip():
        return "– " + first_name.strip()
    return ""


def sign_text(text: str, *, style: str, first_name: str, initials: str, max_length: int | None = None) -> str:
    """The reply with the agent's signature at its end. With ``max_length`` the result fits it: the text is
    shortened at a word boundary (with "…") so the signature is never cut off. A text already ending with
    the signature (the agent typed it) is not signed twice."""
    signature = signature_for(style, first_name=first_name, initials=initials)
    body = text.rstrip()
    if not signature or body.endswith(signature):
        return body if max_length is None else _shorten(body, max_length)
    signed = f"{body} {signature}"
    if max_length is None or len(signed) <= max_length:
        return signed
    room = max_length - len(signature) - 1 - len(ELLIPSIS)
    if room < 1:
        return _shorten(body, max_length)  # no room for both: the words matter more than the name
    return f"{_cut(body, room)}{ELLIPSIS} {signature}"


def _cut(text: str, limit: int) -> str:
    cut = text[:limit]
    if limit < len(text) and not text[limit].isspace() and " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip()


def _shorten(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    return _cut(text, max(max_length - len(ELLIPSIS), 0)) + ELLIPSIS


# --- Name and photo ------------------------------------------------------------------------------------------
def check_photo_url(url: str) -> str:
    url = url.strip()
    if url and (len(url) > 300 or not _PHOTO_URL.match(url)):
        raise InvalidInput(
            _("photo_url: eine http(s)-URL oder ein Pfad auf diesem Server, höchstens 300 Zeichen")
        )
    return url


def do_update_agent_persona(
    agent: Agent,
    *,
    display_name: str | None = None,
    initials: str | None = None,
    photo_url: str | None = None,
) -> Agent:
    """Change what customers see of an agent: name, initials, photo. Audited."""
    changes: dict[str, str] = {}
    if display_name is not None:
        display_name = " ".join(display_name.split())
        if not display_name or len(display_name) > 120:
            raise InvalidInput(_("display_name: 1 bis 120 Zeichen"))
        changes["display_name"] = display_name
    if initials is not None:
        initials = initials.strip()
        if not initials or len(initials) > 8 or any(c.isspace() for c in initials):
            raise InvalidInput(_("Initialen: 1 bis 8 Zeichen ohne Leerzeichen"))
        changes["initials"] = initials
    if photo_url is not None:
        changes["photo_url"] = check_photo_url(photo_url)
    changes = {k: v for k, v in changes.items() if getattr(agent, k) != v}
    if not changes:
        return agent
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(**changes)
        for key, value in changes.items():
            setattr(agent, key, value)
        AuditEntry.objects.create(
            workspace_id=agent.workspace_id,
            actor_id=agent.pk,
            action="agent.persona_changed",
            object_type="agent",
            object_id=agent.pk,
            data=changes,
        )
    return agent
