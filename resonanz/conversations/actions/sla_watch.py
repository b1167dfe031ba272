"""The SLA watch: warnings and breaches written to the timeline once each."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from resonanz.conversations import sla
from resonanz.conversations.models import (
    Conversation,
    Notification,
    TimelineEntry,
)

logger = logging.getLogger("resonanz.conversations")


_RUNNING = (Conversation.Status.NEW, Conversation.Status.OPEN)  # pending: paused; solved/closed: stopped


def do_record_sla_events(now: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Write a TimelineEntry "sla_breached" for every running clock past its due moment and "sla_warning"
    for every one past its warning moment; each at most once (the moment is cleared or the breach stamped
    in the same transaction). Breaches first: a clock found already past due gets no late warning."""
    now = timezone.now() if now is None else now
    steps: list[tuple[str, str, Q, dict[str, Any]]] = [
        (
            sla.FIRST_RESPONSE,
            sla.BREACHED,
            Q(
                first_responded_at__isnull=True,
                first_response_due_at__lte=now,
                first_response_breached_at__isnull=True,
            ),
            {"first_response_breached_at": F("first_response_due_at"), "first_response_warn_at": None},
        ),
        (
            sla.RESOLUTION,
            sla.BREACHED,
            Q(resolution_due_at__lte=now, resolution_breached_at__isnull=True),
            {"resolution_breached_at": F("resolution_due_at"), "resolution_warn_at": None},
        ),
        (
            sla.FIRST_RESPONSE,
            sla.WARNING,
            Q(first_responded_at__isnull=True, first_response_warn_at__lte=now),
            {"first_response_warn_at": None},
        ),
        (sla.RESOLUTION, sla.WARNING, Q(resolution_warn_at__lte=now), {"resolution_warn_at": None}),
    ]
    recorded = 0
    for target, kind, condition, update in steps:
        due_field = f"{target}_due_at"
        with transaction.atomic():
            rows = list(
                Conversation.objects.select_for_update(skip_locked=True)
                .filter(condition, status__in=_RUNNING)
                .values_list("id", due_field, "owner_id", "workspace_id")[:limit]
            )
            if not rows:
                continue
            Conversation.objects.filter(id__in=[row[0] for row in rows]).update(**update)
            TimelineEntry.objects.bulk_create(
                [
                    TimelineEntry(
                        conversation_id=conversation_id,
                        kind=kind,
                        data={"target": target, "due_at": due_at.isoformat() if due_at else None},
                    )
                    for conversation_id, due_at, _owner_id, _workspace_id in rows
                ]
            )
            # The owner's bell: a warning or breach on one of their conversations.
            Notification.objects.bulk_create(
                [
                    Notification(
                        workspace_id=workspace_id,
                        agent_id=owner_id,
                        kind=kind,
                        conversation_id=conversation_id,
                        data={"target": target, "due_at": due_at.isoformat() if due_at else None},
                    )
                    for conversation_id, due_at, owner_id, workspace_id in rows
                    if owner_id is not None
                ]
            )
        recorded += len(rows)
        logger.info("conversations.sla.recorded", extra={"kind": kind, "target": target, "count": len(rows)})
    return recorded
