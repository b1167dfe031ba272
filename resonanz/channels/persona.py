"""The agent persona on outbound replies: public replies are signed with the agent's initials ("… ^MK")
or first name ("… – Mia") as the workspace configures (Workspace.signature_style), and each agent has a
name and a photo the app widget shows next to their replies.

`sign_text` (with the persona itself in resonanz/workspaces/persona.py) is pure; `signed_delivery_text`
applies it when the send task builds a delivery's request, so
the stored message keeps the agent's own words and every (re)try sends the same signed text. Channels that
split long texts into threads (capability "thread", e.g. X) get the whole signed text and put the signature
in their last part; the others get the text shortened so that the signature still fits their limit.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from resonanz.channels.registry import get_adapter
from resonanz.workspaces.persona import sign_text

if TYPE_CHECKING:
    from resonanz.channels.models import OutboundDelivery

logger = logging.getLogger("resonanz.channels.persona")

SPLITS_INTO_THREADS = "thread"


def signed_delivery_text(delivery: OutboundDelivery, text: str) -> str:
    """The text to send for a delivery: signed if it is a public reply by an agent."""
    payload = delivery.payload
    if not payload.get("is_public") or not (payload.get("agent_name") or payload.get("agent_initials")):
        return text
    account = delivery.channel_account
    adapter = get_adapter(account.kind)
    splits = SPLITS_INTO_THREADS in adapter.capabilities
    return sign_text(
        text,
        style=account.workspace.signature_style,
        first_name=str(payload.get("agent_name", "")).split(" ")[0],
        initials=str(payload.get("agent_initials", "")),
        max_length=None if splits else adapter.max_text_length,
    )
