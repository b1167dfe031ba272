"""`resonanz agent add|update|list`: agents with role, teams, skills, languages and capacity.

    resonanz agent add mia --name "Mia Kramer" --role lead --team technik --skill stoerungen --language de \\
        --language en --capacity 15 --password …
    resonanz agent add telefonanlage --name Telefonanlage --integration
    resonanz agent update mia --presence online --skill stoerungen --skill rechnungen
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from resonanz.cli.common import add_common, emit, refusing, table, workspace_of
from resonanz.routing.actions import do_set_presence
from resonanz.workspaces.actions import (
    agent_summary,
    do_create_agent,
    do_ensure_skill,
    do_ensure_team,
    do_update_agent,
)
from resonanz.workspaces.models import Agent


def _profile(parser: CommandParser) -> None:
    parser.add_argument("--role", choices=Agent.Role.values, default=None)
    parser.add_argument("--team", action="append", default=None, help="team name or slug (repeatable)")
    parser.add_argument("--skill", action="append", default=None, help="skill name or slug (repeatable)")
    parser.add_argument("--language", action="append", default=None, help="language code (repeatable)")
    parser.add_argument("--capacity", type=int, default=None, help="open conversations at most")
    parser.add_argument("--presence", choices=Agent.Presence.values, default=None)


class Command(BaseCommand):
    help = "Add, update or list agents."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add an agent")
        add.add_argument("username")
        add.add_argument("--name", default="", help="display name (default: the username)")
        add.add_argument("--email", default="")
        add.add_argument("--password", default=None, help="or $RESONANZ_AGENT_PASSWORD")
        add.add_argument(
            "--integration", action="store_true", help="no login, capacity 0: an integration's token holder"
        )
        _profile(add)
        add_common(add)
        update = sub.add_parser("update", help="change an agent")
        update.add_argument("username")
        update.add_argument("--name", default=None)
        _profile(update)
        update.add_argument("--deactivate", action="store_true")
        update.add_argument("--activate", action="store_true")
        add_common(update)
        add_common(sub.add_parser("list", help="list the agents"))

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():  # a refused change leaves no team or skill behind either
            self._handle(options)

    def _handle(self, options: dict[str, Any]) -> None:
        workspace = workspace_of(options["workspace"])
        as_json = options["json"]
        if options["action"] == "list":
            agents = (
                Agent.objects.filter(workspace=workspace)
                .select_related("user")
                .prefetch_related("teams", "skills")
            )
            rows = [agent_summary(a) for a in agents.order_by("user__username")]
            emit(
                self.stdout,
                as_json,
                rows,
                lambda r: table(
                    [
                        {
                            **x,
                            "teams": ",".join(x["teams"]),
                            "skills": ",".join(x["skills"]),
                            "languages": ",".join(x["languages"]),
                        }
                        for x in r
                    ],
                    [
                        "username",
                        "display_name",
                        "role",
                        "teams",
                        "skills",
                        "languages",
                        "capacity",
                        "presence",
                        "active",
                    ],
                ),
            )
            return
        teams = (
            [do_ensure_team(workspace, name) for name in options["team"]]
            if options["team"] is not None
            else None
        )
        skills = (
            [do_ensure_skill(workspace, name) for name in options["skill"]]
            if options["skill"] is not None
            else None
        )
        if options["action"] == "add":
            password = None
            if not options["integration"]:
                password = options["password"] or os.environ.get("RESONANZ_AGENT_PASSWORD")
                if not password:
                    raise CommandError(
                        "a password is needed: --password, $RESONANZ_AGENT_PASSWORD or --integration"
                    )
            with refusing():
                agent = do_create_agent(
                    workspace,
                    username=options["username"],
                    password=password,
                    display_name=options["name"] or options["username"],
                    email=options["email"],
                    role=options["role"] or Agent.Role.AGENT,
                    teams=teams,
                    skills=skills,
                    languages=options["language"],
                    capacity=0
                    if options["integration"]
                    else (options["capacity"] if options["capacity"] is not None else 20),
                    presence=options["presence"] or Agent.Presence.OFFLINE,
                )
            emit(
                self.stdout,
                as_json,
                agent_summary(agent),
                lambda d: f"agent {d['username']!r} added ({d['role']})",
            )
            return
        found = (
            Agent.objects.select_related("user")
            .filter(workspace=workspace, user__username=options["username"])
            .first()
        )
        if found is None:
            raise CommandError(f"no agent {options['username']!r} in workspace {workspace.slug!r}")
        if options["activate"] and options["deactivate"]:
            raise CommandError("--activate or --deactivate, not both")
        with refusing():
            agent = do_update_agent(
                found,
                actor=None,
                display_name=options["name"],
                role=options["role"],
                teams=teams,
                skills=skills,
                languages=options["language"],
                capacity=options["capacity"],
                presence=options["presence"],
                active=True if options["activate"] else False if options["deactivate"] else None,
            )
        if options["presence"]:
            do_set_presence(agent, options["presence"])  # online: conversations waiting for someone find them
        emit(self.stdout, as_json, agent_summary(agent), lambda d: f"agent {d['username']!r} updated")
