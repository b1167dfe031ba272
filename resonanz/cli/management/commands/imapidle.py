"""`resonanz imapidle [--account ID …]`: watch mailboxes with IMAP IDLE and poll each the moment mail
arrives. Optional: without it the scheduler polls every mailbox every ``poll_every_seconds``. Run one
per installation (a second one only polls twice; the store stays exactly-once). Stops on Ctrl-C/SIGTERM."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from resonanz.channels.email.client import ImapSettings, imap_settings
from resonanz.channels.email.idle import idle_loop
from resonanz.channels.email.tasks import poll_mailbox_once
from resonanz.channels.models import ChannelAccount


def _settings_for(account_id: int) -> ImapSettings:
    close_old_connections()
    return imap_settings(ChannelAccount.objects.get(pk=account_id))


def _poll(account_id: int) -> None:
    close_old_connections()
    # Through the poll lease: a scheduled poll of the same mailbox that runs now is not doubled. A failed
    # poll is logged and shown on the account; IDLE reconnects with backoff.
    poll_mailbox_once(account_id)


class Command(BaseCommand):
    help = "Watch e-mail channel accounts with IMAP IDLE and fetch new mail at once (runs until stopped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", type=int, action="append", default=[], help="channel account id")

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = ChannelAccount.objects.filter(kind="email").exclude(status=ChannelAccount.Status.DISABLED)
        if options["account"]:
            accounts = accounts.filter(pk__in=options["account"])
        ids = [a.pk for a in accounts if a.config.get("idle", True) is not False]
        if not ids:
            raise CommandError("no e-mail channel account to watch (kind email, not disabled, idle not off)")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        threads = [
            threading.Thread(
                target=idle_loop,
                args=(lambda i=account_id: _settings_for(i), lambda i=account_id: _poll(i), stop),
                name=f"imapidle-{account_id}",
                daemon=True,
            )
            for account_id in ids
        ]
        for thread in threads:
            thread.start()
        self.stdout.write(f"watching {len(ids)} mailbox(es) with IMAP IDLE: {', '.join(map(str, ids))}")
        stop.wait()
        for thread in threads:
            thread.join(10)
