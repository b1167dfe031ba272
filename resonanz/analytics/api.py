"""Analytics API: the response-rate watch of public channel accounts."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from resonanz.analytics.access import Counts, response_rate
from resonanz.core.schemas import ErrorOut
from resonanz.core.text import one_line
from resonanz.workspaces.auth import agent_of, auth

router = Router(tags=["analytics"], auth=auth)


class CountsOut(Schema):
    received: int
    answered: int
    answered_within_target: int
    answered_share: float | None
    answered_within_target_share: float | None


class DayOut(CountsOut):
    day: dt.date


class HourOut(CountsOut):
    hour: int


class UnansweredPostOut(Schema):
    message_id: int
    conversation_id: int
    channel_account_id: int
    author_handle: str | None
    text: str
    url: str
    created_at: dt.datetime
    waiting_minutes: int


class AlertOut(Schema):
    id: int
    channel_account_id: int
    answered_share: float
    threshold: float
    received: int
    answered: int
    window_start: dt.datetime
    window_end: dt.datetime
    created_at: dt.datetime


class ResponseRateOut(Schema):
    channel_account_ids: list[int]
    since: dt.datetime
    until: dt.datetime
    target_minutes: int
    threshold: float
    below_threshold: bool
    total: CountsOut
    by_day: list[DayOut]
    by_hour: list[HourOut]
    unanswered: list[UnansweredPostOut]
    alerts: list[AlertOut]


def _counts(counts: Counts) -> dict[str, object]:
    return {
        "received": counts.received,
        "answered": counts.answered,
        "answered_within_target": counts.answered_within_target,
        "answered_share": counts.answered_share,
        "answered_within_target_share": counts.answered_within_target_share,
    }


@router.get(
    "/response-rate",
    response={200: ResponseRateOut, 400: ErrorOut, 404: ErrorOut},
    summary="Response rate of public channel accounts",
    description="Public posts received, answered and answered within the workspace's target, in total, "
    "per day and per hour of the day (workspace time), over the last `days` days (today included); the "
    "unanswered posts (newest first, at most 100) and the open alerts. Without `channel_account`: all "
    "public channel accounts of the workspace.",
)
def get_response_rate(
    request: HttpRequest,
    channel_account: int | None = None,
    days: int = 7,
) -> dict[str, object]:
    report = response_rate(agent_of(request), channel_account, days)
    share = report.total.answered_share
    return {
        "channel_account_ids": report.channel_account_ids,
        "since": report.since,
        "until": report.until,
        "target_minutes": report.target_minutes,
        "threshold": report.threshold,
        "below_threshold": share is not None and share < report.threshold,
        "total": _counts(report.total),
        "by_day": [{"day": day, **_counts(counts)} for day, counts in report.by_day],
        "by_hour": [{"hour": hour, **_counts(counts)} for hour, counts in report.by_hour],
        "unanswered": [
            {
                "message_id": post.pk,
                "conversation_id": post.conversation_id,
                "channel_account_id": post.channel_account_id,
                "author_handle": post.author_identity.handle if post.author_identity else None,
                "text": one_line(post.text, 280),
                "url": post.url,
                "created_at": post.created_at,
                "waiting_minutes": int((report.until - post.created_at).total_seconds() // 60),
            }
            for post in report.unanswered
        ],
        "alerts": report.open_alerts,
    }
