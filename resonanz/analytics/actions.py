"""The response-rate watch's writes: open and resolve ResponseRateAlert rows (decision 0253)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from resonanz.analytics.access import count_posts, target_minutes_of, threshold_of
from resonanz.analytics.models import ResponseRateAlert
from resonanz.channels.models import ChannelAccount
from resonanz.conversations.actions import do_notify_agents
from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent

logger = logging.getLogger("resonanz.analytics")

WINDOW = dt.timedelta(hours=24)
DEFAULT_MIN_POSTS = 5


def do_check_response_rate(
    account: ChannelAccount, now: dt.datetime | None = None
) -> ResponseRateAlert | None:
    """Look at the posts of the last 24 hours whose target has passed (a post from a minute ago cannot
    be late yet). Below the threshold: open an alert (once), notify the team's leads and admins (else every
    agent) and write an AuditEntry. At or above it: resolve the open alert. Returns the alert opened."""
    workspace = account.workspace
    now = timezone.now() if now is None else now
    target = target_minutes_of(workspace)
    until = now - dt.timedelta(minutes=target)
    since = until - WINDOW
    counts = count_posts([account.pk], since, until, target)
    min_posts = int((workspace.settings or {}).get("response_rate_min_posts", DEFAULT_MIN_POSTS))
    threshold = threshold_of(workspace)
    share = counts.answered_share
    if share is None or counts.received < min_posts:
        return None
    if share >= threshold:
        resolved = ResponseRateAlert.objects.filter(channel_account=account, resolved_at__isnull=True).update(
            resolved_at=now
        )
        if resolved:
            AuditEntry.objects.create(
                workspace_id=workspace.pk,
                action="response_rate.recovered",
                object_type="channel_account",
                object_id=account.pk,
                data={"answered_share": share, "threshold": threshold},
            )
        return None
    try:
        with transaction.atomic():
            alert = ResponseRateAlert.objects.create(
                workspace=workspace,
                channel_account=account,
                window_start=since,
                window_end=until,
                received=counts.received,
                answered=counts.answered,
                answered_share=share,
                threshold=threshold,
            )
            AuditEntry.objects.create(
                workspace_id=workspace.pk,
                action="response_rate.alert",
                object_type="channel_account",
                object_id=account.pk,
                data={
                    "alert_id": alert.pk,
                    "received": counts.received,
                    "answered": counts.answered,
                    "answered_share": share,
                    "threshold": threshold,
                },
            )
            team = list(
                Agent.objects.filter(workspace=workspace, role__in=(Agent.Role.LEAD, Agent.Role.ADMIN))
            )
            if not team:
                team = list(Agent.objects.filter(workspace=workspace))
            do_notify_agents(
                team,
                "response_rate_alert",
                {
                    "alert_id": alert.pk,
                    "channel_account_id": account.pk,
                    "channel_account": account.name,
                    "answered_share": share,
                    "threshold": threshold,
                    "received": counts.received,
                    "answered": counts.answered,
                },
            )
    except IntegrityError:
        return None  # an alert is open already: one per channel account
    logger.warning(
        "analytics.response_rate.alert",
        extra={"channel_account": account.pk, "answered_share": share, "threshold": threshold},
    )
    return alert


def do_check_response_rates(now: dt.datetime | None = None) -> int:
    """Run the check for every public channel account; returns how many alerts were opened."""
    opened = 0
    for account in (
        ChannelAccount.objects.filter(is_public=True)
        .exclude(status=ChannelAccount.Status.DISABLED)
        .select_related("workspace")
    ):
        if do_check_response_rate(account, now) is not None:
            opened += 1
    return opened
