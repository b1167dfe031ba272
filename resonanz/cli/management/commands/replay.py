"""`resonanz replay FILE [--speed N] [--channel NAME]`: push a JSONL file of messages through the fake
channel in real (--speed 1) or accelerated time (--speed 60: a minute per second; 0: as fast as possible)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from resonanz.demo.loader import demo_workspace
from resonanz.demo.replay import ReplayError, read_lines, replay
from resonanz.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        'Replay a JSONL file ({"channel": …, "at": …, "event": {…}} per line) through the fake channel. '
        "The file is checked first: a bad line pushes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="time factor: 1 real time, 60 one minute per second, 0 as fast as possible",
        )
        parser.add_argument(
            "--channel", default="", help="send every line to this fake account (name or imitated kind)"
        )
        parser.add_argument("--workspace", default="", help="workspace slug (default: the only one)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            workspace = demo_workspace(options["workspace"])
        except (Workspace.DoesNotExist, Workspace.MultipleObjectsReturned) as error:
            raise CommandError(f"{error}; run `resonanz init` or pass --workspace SLUG") from None
        try:
            lines = read_lines(options["file"])
            disable = options["verbosity"] < 1
            with tqdm(total=len(lines), desc="Replay", unit=" msg", disable=disable, file=self.stderr) as bar:
                result = replay(
                    workspace, lines, speed=options["speed"], channel=options["channel"], on_pushed=bar.update
                )
        except ReplayError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"replayed {result.pushed} messages: {result.accepted} new, {result.duplicates} duplicates"
            )
        )
