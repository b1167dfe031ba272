"""A conversation's status: new, open, pending, solved, closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.conversations import sla
from resonanz.conversations.models import (
    Conversation,
    TimelineEntry,
)
from resonanz.core.errors import InvalidInput
from resonanz.workspaces.models import Agent


def do_change_status(
    agent: Agent | None, conversation: Conversation, status: str, *, now: dt.datetime | None = None
) -> None:
    if status not in Conversation.Status.values:
        raise InvalidInput(
            _("Unbekannter Status „%(status)s“; erlaubt sind %(statuses)s")
            % {"status": status, "statuses": ", ".join(Conversation.Status.values)}
        )
    if conversation.status == status:
        return
    with transaction.atomic():
        old = conversation.status
        updates: dict[str, Any] = {"status": status}
        now = timezone.now() if now is None else now
        if status == Conversation.Status.PENDING:
            updates["sla_paused_at"] = now  # pending on the customer: the clocks stop
        elif old == Conversation.Status.PENDING:
            updates.update(sla.resumed_fields(sla.calendar_for(conversation.workspace), conversation, now))
        Conversation.objects.filter(pk=conversation.pk).update(**updates)
        for name, value in updates.items():
            setattr(conversation, name, value)
        TimelineEntry.objects.create(
            conversation=conversation, actor=agent, kind="status_changed", data={"from": old, "to": status}
        )
