"""`resonanz init`: create the data directory, migrate, create the first workspace. Idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.workspaces.actions import do_create_workspace


class Command(BaseCommand):
    help = "Set up the data directory and database (idempotent); create the first workspace."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", default="Resonanz", help="name of the first workspace")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"data directory: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        workspace = do_create_workspace(options["workspace"])
        do_ensure_default_topics(workspace)
        self.stdout.write(self.style.SUCCESS(f"ready: workspace {workspace.name!r} ({workspace.slug})"))
