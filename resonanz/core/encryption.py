"""Credentials encrypted at rest with Fernet (the `cryptography` package), transparently for their readers.

Keys: `RESONANZ_ENCRYPTION_KEYS`, a comma-separated list of Fernet keys; the first encrypts, every one
decrypts (MultiFernet), so a new key is put first, `resonanz secrets rotate` re-encrypts every stored
credential with it, and the old ones are then dropped. In embedded mode without that variable the keys
live in `<data dir>/encryption_keys` (0600, one per line, the current first), created on first use. In
scale-out mode the variable is required: every machine must hold the same keys (decision 0542).

A stored value is `fernet:<token>`. A value without that prefix is a credential written before encryption
existed: it is read as it is and encrypted the next time its row is saved (the migration saves them all).
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from resonanz.core.keyfiles import read_keys, read_or_create_key

PREFIX = "fernet:"

_lock = threading.Lock()
_loaded: tuple[tuple[str, ...], MultiFernet] | None = None


class EncryptionKeyMissing(ImproperlyConfigured):
    pass


def key_file() -> Path | None:
    """The embedded mode's key file, or None when keys come from the environment (or are required to)."""
    if settings.ENCRYPTION_KEYS or settings.SCALE_OUT:
        return None
    return Path(settings.DATA_DIR) / "encryption_keys"


def configured_keys() -> list[str]:
    """The keys, the current first; creates the embedded key file on first use."""
    if settings.ENCRYPTION_KEYS:
        return [str(key).strip() for key in settings.ENCRYPTION_KEYS if str(key).strip()]
    path = key_file()
    if path is None:
        raise EncryptionKeyMissing(
            "scale-out mode (PostgreSQL or BROKER_URL) needs RESONANZ_ENCRYPTION_KEYS, the same on every "
            "machine; make one with `resonanz secrets generate-key` (see docs/configuration.md)"
        )
    try:
        read_or_create_key(path, lambda: Fernet.generate_key().decode())
        return read_keys(path)
    except OSError as error:
        raise EncryptionKeyMissing(
            f"no RESONANZ_ENCRYPTION_KEYS, and the key file {path} cannot be kept ({error})"
        ) from error


def _fernet(*, reload: bool = False) -> MultiFernet:
    global _loaded
    keys = tuple(configured_keys())
    with _lock:
        if _loaded is None or _loaded[0] != keys or reload:
            fernets = []
            for number, key in enumerate(keys, start=1):
                try:
                    fernets.append(Fernet(key))
                except (ValueError, TypeError) as error:
                    raise ImproperlyConfigured(
                        f"encryption key {number} is not a Fernet key (32 url-safe base64-encoded bytes): "
                        "make one with `resonanz secrets generate-key`"
                    ) from error
            if not fernets:
                raise EncryptionKeyMissing("RESONANZ_ENCRYPTION_KEYS is set but holds no key")
            _loaded = (keys, MultiFernet(fernets))
        return _loaded[1]


def check_keys() -> None:
    """Raise ImproperlyConfigured with a clear message unless credentials can be encrypted and read."""
    _fernet()


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(value: str) -> str:
    if not value:
        return value
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value  # written before encryption (the migration encrypts these)
    token = value.removeprefix(PREFIX).encode()
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken:
        # `secrets rotate --new-key` may have put a new key in the key file since this process read it.
        try:
            return _fernet(reload=True).decrypt(token).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "a stored credential cannot be decrypted with any of the configured encryption keys: "
                "was a key dropped from RESONANZ_ENCRYPTION_KEYS before `resonanz secrets rotate` ran?"
            ) from None


def is_secret_name(name: str) -> bool:
    """Configuration keys that hold credentials: passwords, tokens, secrets, API and private keys."""
    lowered = name.lower()
    return lowered.endswith(("password", "token", "secret", "api_key", "private_key"))
