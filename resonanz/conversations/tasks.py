"""Conversation tasks and periodic jobs: thin wrappers around actions."""

from __future__ import annotations

from resonanz.conversations.actions import do_record_sla_events
from resonanz.core.scheduler import periodic


@periodic("conversations.sla_watch", every_seconds=60)
def sla_watch() -> None:
    do_record_sla_events()
