"""Response-rate watch (docs/sla.md): how many public posts were answered, and how fast.

A *post* is an inbound public message on a public channel account. It is *answered* when an outbound
message (a reply, public or private; never an internal note) follows it in its conversation, and answered
*within target* when that happens within the workspace's ``response_target_minutes`` (wall-clock minutes:
the public does not keep business hours). `do_send_reply` stamps each inbound message's ``answered_at``
and ``response_seconds``, so all counting is one grouped SQL aggregate over plain columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

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

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.received + other.received,
            self.answered + other.answered,
            self.answered_within_target + other.answered_within_target,
        )

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


def _count_fields(target_minutes: int) -> dict[str, Any]:
    return {
        "received": Count("id"),
        "answered": Count("id", filter=Q(answered_at__isnull=False)),
        "answered_within_target": Count("id", filter=Q(response_seconds__lte=target_minutes * 60)),
    }


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(row["received"] or 0, row["answered"] or 0, row["answered_within_target"] or 0)


def count_posts(
    account_ids: list[int], since: dt.datetime, until: dt.datetime, target_minutes: int
) -> Counts:
    return _counts(posts(account_ids, since, until).aggregate(**_count_fields(target_minutes)))


def response_rate(
    agent: Agent, channel_account_id: int | None, days: int, *, now: dt.datetime | None = None
) -> ResponseRate:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(_("Der Zeitraum muss 1 bis %(days)s Tage lang sein") % {"days": MAX_DAYS})
    accounts = public_accounts_for(agent)
    if channel_account_id is not None:
        accounts = accounts.filter(pk=channel_account_id)
    account_ids = list(accounts.values_list("id", flat=True))
    if channel_account_id is not None and not account_ids:
        raise NotFound(
            _("Öffentliches Kanalkonto %(channel_account_id)s nicht gefunden")
            % {"channel_account_id": channel_account_id}
        )
    workspace = agent.workspace
    zone = zone_of(workspace)
    until = timezone.now() if now is None else now
    local_today = until.astimezone(zone).date()
    since = dt.datetime.combine(local_today - dt.timedelta(days=days - 1), dt.time(), tzinfo=zone)
    target = target_minutes_of(workspace)
    # One aggregate grouped by the UTC hour, read as text ("2026-11-23 11"): native SQL on SQLite and
    # PostgreSQL alike, where Django's time-zone functions run in Python per row on SQLite. The few
    # buckets (≤ 24 per day) are then placed into local days and hours here. Exact for time zones with
    # whole-hour offsets (all of Germany's).
    grouped = (
        posts(account_ids, since, until)
        .annotate(bucket=Substr(Cast("created_at", CharField()), 1, 13))
        .values("bucket")
        .annotate(**_count_fields(target))
        .order_by()
    )
    days_total: dict[dt.date, Counts] = {}
    hours_total: dict[int, Counts] = {}
    total = Counts(0, 0, 0)
    for row in grouped:
        counts = _counts(row)
        local = dt.datetime.strptime(row["bucket"], "%Y-%m-%d %H").replace(tzinfo=dt.UTC).astimezone(zone)
        days_total[local.date()] = days_total.get(local.date(), Counts(0, 0, 0)) + counts
        hours_total[local.hour] = hours_total.get(local.hour, Counts(0, 0, 0)) + counts
        total = total + counts
    by_day = sorted(days_total.items())
    by_hour = sorted(hours_total.items())
    unanswered = list(
        posts(account_ids, since, until)
        .filter(answered_at__isnull=True)
        .exclude(conversation__status__in=(Conversation.Status.SOLVED, Conversation.Status.CLOSED))
        .select_related("author_identity")
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
