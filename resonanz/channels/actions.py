"""Writes on channel accounts."""

from __future__ import annotations

import secrets
from typing import Any

from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_adapter
from resonanz.core.errors import InvalidInput
from resonanz.workspaces.models import Workspace


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
