"""Writes on channel accounts."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction

from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_adapter
from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Workspace

logger = logging.getLogger("resonanz.channels.health")


def do_create_channel_account(
    workspace: Workspace,
    *,
    kind: str,
    name: str,
    config: dict[str, Any] | None = None,
    secret: str | None = None,
    is_public: bool = False,
) -> ChannelAccount:
    try:
        get_adapter(kind)
    except KeyError as error:
        raise InvalidInput(str(error)) from None
    return ChannelAccount.objects.create(
        workspace=workspace,
        kind=kind,
        name=name,
        config=config or {},
        secret=secrets.token_urlsafe(32) if secret is None else secret,
        is_public=is_public,
    )


def do_mark_channel_health(account: ChannelAccount, *, healthy: bool, detail: str = "") -> None:
    status = ChannelAccount.Status.HEALTHY if healthy else ChannelAccount.Status.UNHEALTHY
    ChannelAccount.objects.filter(pk=account.pk).update(status=status, status_detail=detail[:500])
    account.status = status
    account.status_detail = detail[:500]


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
