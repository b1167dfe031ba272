"""Response-rate watch (docs/sla.md): how many public posts were answered, and how fast.

A *post* is an inbound public message on a public channel account. It is *answered* when an outbound
message (a reply, public or private; never an internal note) follows it in its conversation, and answered
*within target* when that happens within the workspace's ``response_target_minutes`` (wall-clock minutes:
the public does not keep business hours). All counting is done by the database, one query per breakdown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from resonanz.analytics.models import ResponseRateAlert
from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import InvalidInput, NotFound
from resonanz.workspaces.models import Agent, Workspace

DEFAULT_THRESHOLD = 0.8
DEFAULT_TARGET_MINUTES = 60
MAX_DAYS = 90
UNANSWERED_LIMIT = 100


def threshold_of(workspace: Workspace) -> float:
    return float((workspace.settings or {}).get("response_rate_threshold", DEFAULT_THRESHOLD))


def target_minutes_of(workspace: Workspace) -> int:
    return int((workspace.settings or {}).get("response_target_minutes", DEFAULT_TARGET_MINUTES))


def zone_of(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(str((workspace.settings or {}).get("time_zone") or settings.TIME_ZONE))


@dataclass(frozen=True)
class Counts:
    received: int
    answered: int
    answered_within_target: int

    @property
    def answered_share(self) -> float | None:
        return round(self.answered / self.received, 4) if self.received else None

    @property
    def answered_within_target_share(self) -> float | None:
        return round(self.answered_within_target / self.received, 4) if self.received else None


@dataclass(frozen=True)
class ResponseRate:
    channel_account_ids: list[int]
    since: dt.datetime
    until: dt.datetime
    target_minutes: int
    threshold: float
    total: Counts
    by_day: list[tuple[dt.date, Counts]]
    by_hour: list[tuple[int, Counts]]  # hour of the day (0–23, workspace time) → counts over the period
    unanswered: list[Message]
    open_alerts: list[ResponseRateAlert]


def public_accounts_for(agent: Agent) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(workspace_id=agent.workspace_id, is_public=True)


def posts(account_ids: list[int], since: dt.datetime, until: dt.datetime) -> QuerySet[Message]:
    return Message.objects.filter(
        channel_account_id__in=account_ids,
        direction=Message.Direction.INBOUND,
        visibility=Message.Visibility.PUBLIC,
        created_at__gte=since,
        created_at__lt=until,
    )


def _answers() -> QuerySet[Message]:
    return Message.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        direction=Message.Direction.OUTBOUND,
        created_at__gte=OuterRef("created_at"),
    ).exclude(visibility=Message.Visibility.NOTE)


def with_answer_flags(queryset: QuerySet[Message], target_minutes: int) -> QuerySet[Message]:
    deadline = ExpressionWrapper(
        OuterRef("created_at") + Value(dt.timedelta(minutes=target_minutes)), output_field=DateTimeField()
    )
    return queryset.annotate(
        is_answered=Exists(_answers()),
        is_answered_in_time=Exists(_answers().filter(created_at__lte=deadline)),
    )


def _count_fields() -> dict[str, Any]:
    return {
        "received": Count("id"),
        "answered": Count("id", filter=Q(is_answered=True)),
        "answered_within_target": Count("id", filter=Q(is_answered_in_time=True)),
    }


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(row["received"] or 0, row["answered"] or 0, row["answered_within_target"] or 0)


def count_posts(
    account_ids: list[int], since: dt.datetime, until: dt.datetime, target_minutes: int
) -> Counts:
    return _counts(
        with_answer_flags(posts(account_ids, since, until), target_minutes).aggregate(**_count_fields())
    )


def response_rate(
    agent: Agent, channel_account_id: int | None, days: int, *, now: dt.datetime | None = None
) -> ResponseRate:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}")
    accounts = public_accounts_for(agent)
    if channel_account_id is not None:
        accounts = accounts.filter(pk=channel_account_id)
    account_ids = list(accounts.values_list("id", flat=True))
    if channel_account_id is not None and not account_ids:
        raise NotFound(f"public channel account {channel_account_id} not found")
    workspace = agent.workspace
    zone = zone_of(workspace)
    until = timezone.now() if now is None else now
    local_today = until.astimezone(zone).date()
    since = dt.datetime.combine(local_today - dt.timedelta(days=days - 1), dt.time(), tzinfo=zone)
    target = target_minutes_of(workspace)
    flagged = with_answer_flags(posts(account_ids, since, until), target)
    total = _counts(flagged.aggregate(**_count_fields()))
    by_day = [
        (row["day"], _counts(row))
        for row in flagged.annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(**_count_fields())
        .order_by("day")
    ]
    by_hour = [
        (row["hour"], _counts(row))
        for row in flagged.annotate(hour=ExtractHour("created_at", tzinfo=zone))
        .values("hour")
        .annotate(**_count_fields())
        .order_by("hour")
    ]
    unanswered = list(
        posts(account_ids, since, until)
        .filter(~Exists(_answers()))
        .exclude(conversation__status__in=(Conversation.Status.SOLVED, Conversation.Status.CLOSED))
        .select_related("author_identity", "conversation")
        .order_by("-created_at", "-id")[:UNANSWERED_LIMIT]
    )
    alerts = list(
        ResponseRateAlert.objects.filter(
            channel_account_id__in=account_ids, resolved_at__isnull=True
        ).order_by("-created_at")
    )
    return ResponseRate(
        channel_account_ids=account_ids,
        since=since,
        until=until,
        target_minutes=target,
        threshold=threshold_of(workspace),
        total=total,
        by_day=by_day,
        by_hour=by_hour,
        unanswered=unanswered,
        open_alerts=alerts,
    )
