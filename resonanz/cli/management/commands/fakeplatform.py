"""`resonanz fakeplatform x|facebook`: run a local fake of the X API or the Graph API for the demo.

    resonanz fakeplatform x --port 8101 --connect --chatter 20
    resonanz fakeplatform facebook --port 8102 --connect --chatter 30 --resonanz-url http://127.0.0.1:8000

``--connect`` creates (or re-points) a channel account of that kind in the workspace so Resonanz polls the
fake X and receives the fake Facebook's webhooks; ``--chatter N`` makes customers write every N seconds
(X: a mention, now and then a DM by the Account Activity webhook; Facebook: a comment or a Messenger
message by the page webhook). Stop with Ctrl-C."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from resonanz.channels.actions import do_create_channel_account
from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import all_channels, get_channel
from resonanz.channels.spec import FakePlatform
from resonanz.channels.testing import FakePlatformServer
from resonanz.core import http
from resonanz.workspaces.models import Workspace

CUSTOMERS = [
    ("anna_k", "Anna Köhler"),
    ("ben_schulz", "Ben Schulz"),
    ("carla_m", "Carla Meyer"),
    ("deniz_hh", "Deniz Yılmaz"),
]
VOICES = [
    "Seit heute früh kein Internet in 50667 Köln, der Router blinkt rot. Was ist los?",
    "Schon wieder Störung in Hamburg-Altona?! Ich arbeite im Homeoffice…",
    "Meine Rechnung wurde doppelt abgebucht. Wer hilft mir?",
    "Ich bin umgezogen, wie ändere ich meine Adresse?",
    "Danke für die schnelle Hilfe gestern, läuft wieder super!",
    "Techniker-Termin verpasst, niemand kam. So nicht!",
]


def platforms() -> list[str]:
    """The channels that ship a fake platform (`ChannelSpec.fake_platform`)."""
    return sorted(spec.kind for spec in all_channels() if spec.fake_platform is not None)


class Command(BaseCommand):
    help = "Run a local fake platform (X, Facebook…) for the demo until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("platform", choices=platforms())
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=0, help="default: a free port")
        parser.add_argument("--connect", action="store_true", help="create/re-point a channel account")
        parser.add_argument("--workspace", default="", help="workspace slug (default: the only one)")
        parser.add_argument("--chatter", type=float, default=0.0, help="a customer writes every N seconds")
        parser.add_argument("--run-seconds", type=float, default=0.0, help="stop after N seconds (0: never)")
        parser.add_argument(
            "--resonanz-url", default="http://127.0.0.1:8000", help="where webhooks go (with --connect)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        platform = options["platform"]
        fake = get_channel(platform).fake_platform
        assert fake is not None
        server: FakePlatformServer = import_string(fake.server)(options["host"], options["port"])
        server.start()
        config, secret = import_string(fake.connect)(server)
        account = self._connect(platform, fake, config, secret, options) if options["connect"] else None
        self.stdout.write(f"fake {platform} listening on {server.base_url}")
        self.stdout.write("channel account config: " + json.dumps(config))
        if account is not None:
            self.stdout.write(f"channel account {account.pk} ({account.name}) points at it")
            try:
                http.checked_addresses("127.0.0.1", 80)
            except http.OutboundRefused:
                self.stdout.write(
                    "note: Resonanz calls 127.0.0.1 only when allowed: start `resonanz run` with "
                    "RESONANZ_OUTBOUND_ALLOWED_HOSTS=127.0.0.1 (`make demo` does)"
                )
        stop = threading.Event()
        if options["run_seconds"] > 0:
            threading.Timer(options["run_seconds"], stop.set).start()
        try:
            if fake.chatter:
                self._chatter(import_string(fake.chatter), server, account, options, stop)
            else:
                stop.wait(options["run_seconds"] or None)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            server.stop()
            self.stdout.write(f"fake {platform} stopped")

    def _connect(
        self, platform: str, fake: FakePlatform, config: dict[str, Any], secret: str, options: dict[str, Any]
    ) -> ChannelAccount:
        slug = options["workspace"]
        workspace = (
            Workspace.objects.filter(slug=slug).first() if slug else Workspace.objects.order_by("id").first()
        )
        if workspace is None:
            raise CommandError("no workspace: run `resonanz init` first")
        existing = ChannelAccount.objects.filter(workspace=workspace, kind=platform).order_by("id").first()
        if existing is None:
            return do_create_channel_account(
                workspace,
                kind=platform,
                name=fake.account_name,
                config=config,
                secret=secret,
                is_public=get_channel(platform).is_public(config),
            )
        # Re-point the demo account at this run's port; the poll cursor belongs to the old fake.
        ChannelAccount.objects.filter(pk=existing.pk).update(
            config={**existing.config, **config},
            secret=secret,
            cursor={},
            status=ChannelAccount.Status.HEALTHY,
        )
        existing.refresh_from_db()
        return existing

    def _chatter(
        self,
        chatter: Callable[..., None],
        server: FakePlatformServer,
        account: ChannelAccount | None,
        options: dict[str, Any],
        stop: threading.Event,
    ) -> None:
        every = options["chatter"]
        webhook = f"{options['resonanz_url'].rstrip('/')}/api/channels/{account.pk}/events" if account else ""
        for turn in itertools.count():
            if stop.wait(every if every > 0 else 3600):
                return
            if every <= 0:
                continue
            if stop.is_set():
                return
            username, name = CUSTOMERS[turn % len(CUSTOMERS)]
            text = VOICES[turn % len(VOICES)]
            try:
                chatter(server, webhook, account.secret if account else "", turn, text, username, name)
                self.stdout.write(f"{username}: {text}")
            except Exception as error:  # the demo goes on when Resonanz is briefly down
                self.stderr.write(f"could not deliver: {error}")
