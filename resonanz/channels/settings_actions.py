"""Channel accounts as a company sets them up: add, edit, disable, enable, delete, test the connection.

Every change is checked against the kind's typed configuration (its ChannelSpec.config, decision 0810) before
anything is written, and written with an audit entry in one transaction: an invalid setting is refused
with a message naming the field and nothing is saved half."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.channels.config import clean_config, fields_of, public_config
from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_channel
from resonanz.core.errors import Conflict, InvalidInput, NotFound
from resonanz.workspaces.actions import audit
from resonanz.workspaces.models import Agent, Workspace


def check_channel_name(workspace: Workspace, name: str, *, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(_("Name: Ein Kanalkonto braucht einen Namen"))
    if len(name) > 120:
        raise InvalidInput(_("Name: höchstens 120 Zeichen"))
    clash = ChannelAccount.objects.filter(workspace=workspace, name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise Conflict(_("Name: Ein Kanalkonto „%(name)s“ gibt es schon") % {"name": name})
    return name


def do_add_channel_account(
    workspace: Workspace, *, kind: str, name: str, values: dict[str, Any], actor: Agent | None
) -> ChannelAccount:
    fields_of(kind)
    spec = get_channel(kind)
    name = check_channel_name(workspace, name)
    cleaned = clean_config(kind, values)
    if spec.check_new is not None:
        spec.check_new(cleaned.config, cleaned.secret)
    with transaction.atomic():
        account = ChannelAccount.objects.create(
            workspace=workspace,
            kind=kind,
            name=name,
            config=cleaned.config,
            secret=cleaned.secret if cleaned.secret is not None else secrets.token_urlsafe(32),
            is_public=spec.is_public(cleaned.config),
        )
        audit(
            workspace.pk,
            actor,
            "channel.created",
            "channel_account",
            account.pk,
            {"kind": kind, "name": name, "config": public_config(kind, cleaned.config)},
        )
    return account


def do_update_channel_account(
    account: ChannelAccount, *, name: str | None, values: dict[str, Any], actor: Agent | None
) -> ChannelAccount:
    new_name = (
        check_channel_name(account.workspace, name, exclude_id=account.pk)
        if name is not None
        else account.name
    )
    cleaned = clean_config(account.kind, values, existing=account.config, has_secret=bool(account.secret))
    changed = sorted(
        k for k in set(cleaned.config) | set(account.config) if cleaned.config.get(k) != account.config.get(k)
    )
    if cleaned.secret is not None:
        changed.append("secret")
    with transaction.atomic():
        account.name = new_name
        account.config = cleaned.config
        if cleaned.secret is not None:
            account.secret = cleaned.secret
        account.save(update_fields=["name", "config", "secret"])
        audit(
            account.workspace_id,
            actor,
            "channel.updated",
            "channel_account",
            account.pk,
            {"name": new_name, "changed": changed},
        )
    return account


def do_set_channel_enabled(account: ChannelAccount, *, enabled: bool, actor: Agent | None) -> ChannelAccount:
    status = ChannelAccount.Status.HEALTHY if enabled else ChannelAccount.Status.DISABLED
    with transaction.atomic():
        ChannelAccount.objects.filter(pk=account.pk).update(status=status, status_detail="")
        account.status = status
        audit(
            account.workspace_id,
            actor,
            "channel.enabled" if enabled else "channel.disabled",
            "channel_account",
            account.pk,
            {"name": account.name},
        )
    return account


def do_delete_channel_account(account: ChannelAccount, *, actor: Agent | None) -> None:
    """Deletes the account only when nothing was received or sent on it; otherwise disable it (history
    stays)."""
    if account.conversations.exists() or account.inbound_events.exists():  # type: ignore[attr-defined]
        raise Conflict(
            _("Dieses Kanalkonto hat Gespräche: Deaktivieren Sie es stattdessen, der Verlauf bleibt erhalten")
        )
    with transaction.atomic():
        audit(
            account.workspace_id,
            actor,
            "channel.deleted",
            "channel_account",
            account.pk,
            {"kind": account.kind, "name": account.name},
        )
        account.delete()


def access_channel_account_by_id(agent: Agent, account_id: int) -> ChannelAccount:
    account = (
        ChannelAccount.objects.select_related("workspace")
        .filter(pk=account_id, workspace=agent.workspace_id)
        .first()
    )
    if account is None:
        raise NotFound(_("Kanalkonto %(account_id)s nicht gefunden") % {"account_id": account_id})
    return account


def receives_webhooks(kind: str) -> bool:
    """The platform pushes to the account's webhook URL (or takes its shared secret): the settings show both."""
    try:
        return get_channel(kind).webhook
    except KeyError:
        return False


def webhook_path(account: ChannelAccount) -> str:
    return f"/api/channels/{account.pk}/events"


def webhook_url(account: ChannelAccount, base_url: str = "") -> str | None:
    if not receives_webhooks(account.kind):
        return None
    base = (base_url or settings.PUBLIC_URL or "http://127.0.0.1:8000").rstrip("/")
    return base + webhook_path(account)


def describe(account: ChannelAccount, base_url: str = "") -> dict[str, Any]:
    """The account as `resonanz channel show --json` prints it (secrets masked)."""
    return {
        "id": account.pk,
        "kind": account.kind,
        "name": account.name,
        "status": account.status,
        "status_detail": account.status_detail,
        "is_public": account.is_public,
        "config": public_config(account.kind, account.config),
        "webhook_url": webhook_url(account, base_url),
    }
