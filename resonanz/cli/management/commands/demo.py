"""`resonanz demo [--if-empty]`: load the demo workspace "Netzwelt Kommunikation" through the real paths."""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from resonanz.core.errors import ResonanzError
from resonanz.demo import content
from resonanz.demo.generate import DEFAULT_SEED, generate
from resonanz.demo.loader import (
    demo_workspace,
    ensure_agents,
    ensure_channel_accounts,
    has_messages,
    load_demo,
    push_live_post,
)
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
        parser.add_argument(
            "--live",
            type=float,
            default=None,
            metavar="SECONDS",
            help="after loading, keep customers writing on the imitated channels: one message every SECONDS",
        )
        parser.add_argument(
            "--live-count", type=int, default=0, help=argparse.SUPPRESS
        )  # tests: stop after N

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
            if options["live"] is not None:
                self._live(workspace, options["live"], options["live_count"])
            return
        plan = generate(timezone.now(), options["seed"])
        try:
            ensure_agents(workspace)  # refuses a workspace with agents of its own, before anything is loaded
        except ResonanzError as error:
            raise CommandError(error.message) from None
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
        if options["live"] is not None:
            self._live(workspace, options["live"], options["live_count"])

    def _live(self, workspace: Workspace, every: float, stop_after: int) -> None:
        """New customer messages on every imitated channel, through the real ingest, until stopped."""
        accounts = ensure_channel_accounts(workspace)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        posts = generate(timezone.now(), seed=random.SystemRandom().randrange(1 << 30)).posts
        random.Random(len(posts)).shuffle(posts)
        self.stdout.write(f"live demo traffic: one message every {every:g} s (stop with Ctrl-C)")
        sent = 0
        try:
            for number, post in enumerate(posts):
                sent += push_live_post(accounts, post, number)
                if stop_after and sent >= stop_after:
                    break
                if stop.wait(every):
                    break
        except KeyboardInterrupt:
            pass
        self.stdout.write(f"live demo traffic stopped after {sent} messages")

    def _write_jsonl(self, path: Path, seed: int) -> None:
        plan = generate(timezone.now(), seed)
        with path.open("w", encoding="utf-8") as out:
            for record in plan.jsonl_records():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stdout.write(self.style.SUCCESS(f"{len(plan.posts)} messages written to {path}"))
