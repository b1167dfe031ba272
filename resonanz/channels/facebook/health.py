"""Telling the admins a channel account lost its credentials (Graph error 190, X 401)."""

from __future__ import annotations

import logging

from django.db import transaction

from resonanz.channels.actions import do_mark_channel_health
from resonanz.channels.models import ChannelAccount
from resonanz.core.models import AuditEntry

logger = logging.getLogger("resonanz.channels.health")


def do_report_credentials_failure(account: ChannelAccount, detail: str, *, code: str = "") -> None:
    """Mark the account unhealthy; on the change from healthy, write an audit entry the admins see. The
    log line ``channel.credentials.invalid`` is written every time (alerting hooks on it)."""
    with transaction.atomic():
        was_unhealthy = ChannelAccount.objects.filter(
            pk=account.pk, status=ChannelAccount.Status.UNHEALTHY
        ).exists()
        do_mark_channel_health(account, healthy=False, detail=detail)
        if not was_unhealthy:
            AuditEntry.objects.create(
                workspace_id=account.workspace_id,
                actor_id=None,
                action="channel.unhealthy",
                object_type="channel_account",
                object_id=account.pk,
                data={"kind": account.kind, "name": account.name, "detail": detail[:500], "code": code},
            )
    logger.error(
        "channel.credentials.invalid",
        extra={"channel_account": account.pk, "kind": account.kind, "code": code, "detail": detail[:500]},
    )
