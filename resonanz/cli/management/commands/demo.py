"""`resonanz demo [--if-empty]`: load the demo workspace "Netzwelt Kommunikation" through the real paths."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from resonanz.demo import content
from resonanz.demo.generate import DEFAULT_SEED, generate
from resonanz.demo.loader import demo_workspace, has_messages, load_demo
from resonanz.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Load the demo workspace: teams, skills, ~20 agents (login demo / demo-resonanz), fake channel "
        "accounts and three days of customer messages ending now, pushed through the real ingest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the workspace has messages already"
        )
        parser.add_argument("--workspace", default="", help="workspace slug (default: the only one)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="another seed, other details")
        parser.add_argument(
            "--write-jsonl",
            default="",
            metavar="FILE",
            help="write the demo messages as a `resonanz replay` file instead of loading them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["write_jsonl"]:
            self._write_jsonl(Path(options["write_jsonl"]), options["seed"])
            return
        try:
            workspace = demo_workspace(options["workspace"])
        except (Workspace.DoesNotExist, Workspace.MultipleObjectsReturned) as error:
            raise CommandError(f"{error}; run `resonanz init` or pass --workspace SLUG") from None
        if options["if_empty"] and has_messages(workspace):
            self.stdout.write(f"workspace {workspace.name!r} has messages already: demo not loaded")
            return
        plan = generate(timezone.now(), options["seed"])
        total = len(plan.posts) + len(plan.replies)
        disable = options["verbosity"] < 1
        with tqdm(total=total, desc="Demo", unit=" Nachrichten", disable=disable, file=self.stderr) as bar:
            summary = load_demo(workspace, plan=plan, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo loaded into {workspace.name!r}: {summary.agents} agents, {summary.accounts} channel "
                f"accounts, {summary.accepted} of {summary.posts} messages new, {summary.replies} replies"
            )
        )
        self.stdout.write(f"log in as 'demo' with password '{content.DEMO_PASSWORD}'")

    def _write_jsonl(self, path: Path, seed: int) -> None:
        plan = generate(timezone.now(), seed)
        with path.open("w", encoding="utf-8") as out:
            for record in plan.jsonl_records():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stdout.write(self.style.SUCCESS(f"{len(plan.posts)} messages written to {path}"))
