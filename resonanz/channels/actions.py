"""Writes on channel accounts."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_adapter
from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent, Workspace

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
    except KeyError:
        raise InvalidInput(_("Unbekannte Kanalart „%(kind)s“") % {"kind": kind}) from None
    return ChannelAccount.objects.create(
        workspace=workspace,
        kind=kind,
        name=name,
        config=config or {},
        secret=secrets.token_urlsafe(32) if secret is None else secret,
        is_public=is_public,
    )


def do_mark_channel_health(account: ChannelAccount, *, healthy: bool, detail: str = "") -> None:
    """Healthy or unhealthy, as a poll or send found it. Never touches a disabled account: a poll that was
    running when an admin disabled it must not enable it again."""
    status = ChannelAccount.Status.HEALTHY if healthy else ChannelAccount.Status.UNHEALTHY
    changed = (
        ChannelAccount.objects.filter(pk=account.pk)
        .exclude(status=ChannelAccount.Status.DISABLED)
        .update(status=status, status_detail=detail[:500])
    )
    if changed:
        account.status = status
        account.status_detail = detail[:500]
    else:
        account.status = ChannelAccount.Status.DISABLED


def do_set_channel_enabled(account: ChannelAccount, *, enabled: bool, actor: Agent | None = None) -> None:
    """Disable a channel account (it refuses events and holds its deliveries, decision 0520) or enable it
    again (healthy until the next poll or send says otherwise; held deliveries are sent now)."""
    from resonanz.channels.outbound import send_due_deliveries

    status = ChannelAccount.Status.HEALTHY if enabled else ChannelAccount.Status.DISABLED
    with transaction.atomic():
        ChannelAccount.objects.filter(pk=account.pk).update(status=status, status_detail="")
        account.status = status
        account.status_detail = ""
        AuditEntry.objects.create(
            workspace_id=account.workspace_id,
            actor_id=actor.pk if actor else None,
            action="channel.enabled" if enabled else "channel.disabled",
            object_type="channel_account",
            object_id=account.pk,
            data={"kind": account.kind, "name": account.name},
        )
        if enabled:
            send_due_deliveries(channel_account_id=account.pk)


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
