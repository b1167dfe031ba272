"""SLA targets and clocks (docs/sla.md). Reads and pure computations; the writes are in actions.py.

Targets are business minutes per channel kind and priority (`SlaPolicy` rows, else `DEFAULT_TARGETS`).
A conversation carries its due moments and warning moments; while it is pending on the customer its clocks
are paused, and on resuming they are pushed forward by exactly the business time that was left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from resonanz.conversations.business_time import (
    BusinessCalendar,
    add_business_minutes,
    add_business_minutes_each,
    business_minutes_between,
    calendar_from_settings,
)
from resonanz.conversations.models import Conversation, SlaPolicy
from resonanz.workspaces.models import Workspace

WARNING = "sla_warning"
BREACHED = "sla_breached"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaTargets:
    first_response_minutes: int
    resolution_minutes: int
    warn_before_minutes: int = 15


# Business minutes, used when a workspace has no matching SlaPolicy row.
DEFAULT_TARGETS: dict[int, SlaTargets] = {
    Conversation.Priority.URGENT: SlaTargets(30, 4 * 60),
    Conversation.Priority.HIGH: SlaTargets(60, 8 * 60),
    Conversation.Priority.NORMAL: SlaTargets(4 * 60, 3 * 10 * 60),
    Conversation.Priority.LOW: SlaTargets(8 * 60, 5 * 10 * 60),
}


def calendar_for(workspace: Workspace) -> BusinessCalendar:
    return calendar_from_settings(workspace.settings or {}, settings.TIME_ZONE)


def targets_for(workspace_id: int, channel_kind: str, priority: int) -> SlaTargets:
    """The most specific policy: (kind, priority), (kind, any), (any, priority), (any, any). One query."""
    rows = list(
        SlaPolicy.objects.filter(
            Q(channel_kind=channel_kind) | Q(channel_kind=""),
            Q(priority=priority) | Q(priority__isnull=True),
            workspace_id=workspace_id,
        )
    )
    if not rows:
        return DEFAULT_TARGETS.get(priority, DEFAULT_TARGETS[Conversation.Priority.NORMAL])
    best = max(rows, key=lambda row: (row.channel_kind != "", row.priority is not None))
    return SlaTargets(best.first_response_minutes, best.resolution_minutes, best.warn_before_minutes)


def clock_fields(
    calendar: BusinessCalendar, targets: SlaTargets, start: dt.datetime, *, first_response: bool = True
) -> dict[str, Any]:
    """Due and warning moments for clocks started at `start` (and no warning/breach recorded yet)."""
    minutes = [
        targets.resolution_minutes,
        max(targets.resolution_minutes - targets.warn_before_minutes, 0),
    ]
    if first_response:
        minutes += [
            targets.first_response_minutes,
            max(targets.first_response_minutes - targets.warn_before_minutes, 0),
        ]
    moments = add_business_minutes_each(calendar, start, minutes)
    fields: dict[str, Any] = {
        "resolution_due_at": moments[0],
        "resolution_warn_at": moments[1],
        "resolution_breached_at": None,
        "sla_paused_at": None,
    }
    if first_response:
        fields["first_response_due_at"] = moments[2]
        fields["first_response_warn_at"] = moments[3]
        fields["first_response_breached_at"] = None
    return fields


def _shift(
    calendar: BusinessCalendar, moment: dt.datetime | None, paused_at: dt.datetime, now: dt.datetime
) -> dt.datetime | None:
    """Push `moment` forward by the pause: what was left of it at `paused_at` is left of it at `now`."""
    if moment is None or moment <= paused_at:
        return moment  # no clock, or already past when the pause began: a breach stays a breach
    left = business_minutes_between(calendar, paused_at, moment)
    return add_business_minutes(calendar, now, left)


def resumed_fields(
    calendar: BusinessCalendar, conversation: Conversation, now: dt.datetime
) -> dict[str, Any]:
    """Field updates that end a pause begun at `conversation.sla_paused_at`; empty when not paused."""
    paused_at = conversation.sla_paused_at
    if paused_at is None:
        return {}
    fields: dict[str, Any] = {
        "sla_paused_at": None,
        "resolution_due_at": _shift(calendar, conversation.resolution_due_at, paused_at, now),
        "resolution_warn_at": _shift(calendar, conversation.resolution_warn_at, paused_at, now),
    }
    if conversation.first_responded_at is None:
        fields["first_response_due_at"] = _shift(calendar, conversation.first_response_due_at, paused_at, now)
        fields["first_response_warn_at"] = _shift(
            calendar, conversation.first_response_warn_at, paused_at, now
        )
    return fields
