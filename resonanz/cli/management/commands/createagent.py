"""`resonanz createagent USERNAME`: add an agent (or admin) to a workspace."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.core.errors import ResonanzError
from resonanz.workspaces.actions import do_create_agent, do_create_workspace, do_ensure_team
from resonanz.workspaces.models import Agent, Workspace


class Command(BaseCommand):
    help = "Create an agent. The password comes from --password, $RESONANZ_AGENT_PASSWORD or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--name", dest="display_name", default="", help="display name (default: username)"
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--workspace", default="", help="workspace slug (default: the only one)")
        parser.add_argument("--role", default=Agent.Role.AGENT, choices=Agent.Role.values)
        parser.add_argument("--team", action="append", default=[], help="team name (repeatable)")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["workspace"]
        if slug:
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                raise CommandError(f"no workspace {slug!r}; run `resonanz init` first")
        else:
            workspaces = list(Workspace.objects.all()[:2])
            if len(workspaces) > 1:
                raise CommandError("several workspaces exist: name one with --workspace")
            workspace = workspaces[0] if workspaces else do_create_workspace("Resonanz")
        password = options["password"] or os.environ.get("RESONANZ_AGENT_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
        teams = [do_ensure_team(workspace, name) for name in options["team"]]
        try:
            agent = do_create_agent(
                workspace,
                username=options["username"],
                password=password,
                display_name=options["display_name"] or options["username"],
                email=options["email"],
                role=options["role"],
                teams=teams,
            )
        except ResonanzError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"agent {agent.user.username!r} created in {workspace.name!r}"))
