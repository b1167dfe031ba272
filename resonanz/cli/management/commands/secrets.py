"""`resonanz secrets generate-key | rotate [--new-key]`: the keys that encrypt stored credentials.

Rotating with keys from the environment (scale-out mode):
  1. `resonanz secrets generate-key`, put the new key FIRST in RESONANZ_ENCRYPTION_KEYS (keep the old ones
     after it) and restart every process: new writes use the new key, old values still decrypt;
  2. `resonanz secrets rotate`: every stored credential is re-encrypted with the new key;
  3. drop the old keys from RESONANZ_ENCRYPTION_KEYS and restart.
Embedded mode with the key file in the data directory: `resonanz secrets rotate --new-key` does all three
(running processes pick the new key up from the file when they meet a value encrypted with it).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from resonanz.channels.models import ChannelAccount
from resonanz.core import encryption
from resonanz.core.keyfiles import write_keys


def reencrypt_all() -> int:
    """Save every stored credential again: read with any configured key, written with the first."""
    count = 0
    for pk in ChannelAccount.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().filter(pk=pk).first()
            if account is not None:
                account.save(update_fields=["secret", "config"])
                count += 1
    return count


class Command(BaseCommand):
    help = "Make an encryption key, or re-encrypt every stored credential with the current key."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("generate-key", help="print a new Fernet key")
        rotate = actions.add_parser("rotate", help="re-encrypt every stored credential with the first key")
        rotate.add_argument(
            "--new-key",
            action="store_true",
            help="embedded mode: make a new key in the data directory's key file first, drop the old after",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate-key":
            self.stdout.write(Fernet.generate_key().decode())
            return
        try:
            encryption.check_keys()
            count = self._rotate_key_file() if options["new_key"] else reencrypt_all()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"re-encrypted the credentials of {count} channel account(s)"))
        if not options["new_key"] and len(encryption.configured_keys()) > 1:
            self.stdout.write("every credential now uses the first key: the others can be removed")

    def _rotate_key_file(self) -> int:
        path = encryption.key_file()
        if path is None:
            raise CommandError(
                "--new-key changes the key file of embedded mode; with RESONANZ_ENCRYPTION_KEYS put a new key "
                "(`resonanz secrets generate-key`) first in the list, restart, run `resonanz secrets rotate`, "
                "then drop the old keys"
            )
        old = encryption.configured_keys()
        new = Fernet.generate_key().decode()
        write_keys(path, [new, *old])
        count = reencrypt_all()
        write_keys(path, [new])
        encryption.check_keys()
        return count
