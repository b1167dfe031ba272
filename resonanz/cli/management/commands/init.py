"""`resonanz init [--admin NAME]`: create the data directory, migrate, create the first workspace and, with
--admin, its first admin. Idempotent: a second run changes nothing."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.core.errors import ResonanzError
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.workspaces.actions import do_create_agent, do_create_workspace
from resonanz.workspaces.models import Agent


class Command(BaseCommand):
    help = "Set up the data directory and database (idempotent); create the first workspace and admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="Resonanz", help="name of the first workspace")
        parser.add_argument(
            "--admin",
            default="",
            metavar="NAME",
            help="username of the first admin (password from $RESONANZ_ADMIN_PASSWORD, else generated and "
            "printed once)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        workspace = do_create_workspace(options["workspace"])
        do_ensure_default_topics(workspace)
        self.stdout.write(self.style.SUCCESS(f"ready: workspace {workspace.name!r} ({workspace.slug})"))
        username = options["admin"].strip()
        if not username:
            return
        existing = Agent.objects.filter(user__username=username).select_related("workspace").first()
        if existing is not None:
            if existing.workspace_id != workspace.pk:
                raise CommandError(
                    f"{username!r} is an agent of another workspace ({existing.workspace.slug})"
                )
            self.stdout.write(f"admin {username!r} exists already")
            return
        password = os.environ.get("RESONANZ_ADMIN_PASSWORD") or ""
        generated = not password
        password = password or secrets.token_urlsafe(12)
        try:
            do_create_agent(
                workspace, username=username, password=password, display_name=username, role=Agent.Role.ADMIN
            )
        except ResonanzError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"admin {username!r} created"))
        if generated:
            self.stdout.write(f"password (shown once, change it after the first login): {password}")
        self.stdout.write("log in and open Einstellungen (Settings) to add channels and agents")
