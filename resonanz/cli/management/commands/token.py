"""`resonanz token create|list|revoke`: API tokens for agents and integrations.

    resonanz token create --agent telefonanlage --scope cti --expires 365 --json
    resonanz token create --agent shop --scope ingest --channel 7
    resonanz token revoke 3

The token is printed once, at creation: only its SHA-256 is stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.channels.models import ChannelAccount
from resonanz.cli.common import add_common, emit, refusing, table, workspace_of
from resonanz.workspaces.actions import do_create_api_token, do_revoke_api_token
from resonanz.workspaces.models import Agent, ApiToken


def token_summary(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "agent": token.agent.user.get_username(),
        "scope": token.scope,
        "channel_account_id": token.channel_account_id,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token (printed once)")
        create.add_argument("--agent", required=True, help="the agent's username (an integration's too)")
        create.add_argument("--scope", required=True, choices=ApiToken.Scope.values)
        create.add_argument("--channel", type=int, default=None, help="channel account id (scope ingest)")
        create.add_argument("--expires", type=int, default=None, metavar="DAYS")
        create.add_argument("--name", default="", help="what uses it (default: the scope)")
        add_common(create)
        add_common(sub.add_parser("list", help="list tokens (never the keys)"))
        revoke = sub.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("id", type=int)
        add_common(revoke)

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = workspace_of(options["workspace"])
        as_json = options["json"]
        if options["action"] == "create":
            agent = (
                Agent.objects.select_related("user")
                .filter(workspace=workspace, user__username=options["agent"])
                .first()
            )
            if agent is None:
                raise CommandError(f"no agent {options['agent']!r} in workspace {workspace.slug!r}")
            channel = None
            if options["channel"] is not None:
                channel = ChannelAccount.objects.filter(workspace=workspace, pk=options["channel"]).first()
                if channel is None:
                    raise CommandError(
                        f"no channel account {options['channel']} in workspace {workspace.slug!r}"
                    )
            with refusing():
                token, key = do_create_api_token(
                    agent,
                    options["name"] or f"{options['scope']} ({agent.user.get_username()})",
                    scope=options["scope"],
                    channel_account=channel,
                    expires_days=options["expires"],
                )
            data = {**token_summary(token), "token": key}
            emit(
                self.stdout,
                as_json,
                data,
                lambda d: f"token {d['id']} ({d['scope']}) for {d['agent']}, shown once:\n{d['token']}",
            )
            return
        if options["action"] == "list":
            tokens = (
                ApiToken.objects.filter(agent__workspace=workspace)
                .select_related("agent__user")
                .order_by("pk")
            )
            rows = [token_summary(t) for t in tokens]
            emit(
                self.stdout,
                as_json,
                rows,
                lambda r: table(
                    r, ["id", "prefix", "name", "agent", "scope", "expires_at", "last_used_at", "revoked_at"]
                ),
            )
            return
        found = (
            ApiToken.objects.filter(agent__workspace=workspace, pk=options["id"])
            .select_related("agent__user")
            .first()
        )
        if found is None:
            raise CommandError(f"no token {options['id']} in workspace {workspace.slug!r}")
        token = do_revoke_api_token(found, actor=None)
        emit(self.stdout, as_json, token_summary(token), lambda d: f"token {d['id']} revoked")
