"""Keys kept in the data directory (embedded mode), and the data directory's own permissions.

Imported by the settings module, so nothing here may import Django models or settings.

A key file is created exclusively and whole: the new key is written to a private temporary file that is
then hard-linked to its final name, which fails if another process got there first. Two gunicorn processes
starting together therefore agree on one key instead of each keeping its own (sessions and signed tokens
would then fail at random, depending on which process answered).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def ensure_private_dir(path: Path) -> None:
    """Create a directory (and its parents) readable only by its owner; an existing one is left alone."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)  # parents as usual: they may be shared (~/.local/share)
    old_umask = os.umask(0o077)
    try:
        path.mkdir(exist_ok=True, mode=PRIVATE_DIR)
    finally:
        os.umask(old_umask)


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner, unless it exists already."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def tighten(path: Path) -> bool:
    """Remove group and other permissions from a path we own; True when something changed."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    if info.st_uid != os.geteuid() or not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return False
    path.chmod(stat.S_IMODE(info.st_mode) & ~(stat.S_IRWXG | stat.S_IRWXO))
    return True


def read_keys(path: Path) -> list[str]:
    """The non-empty lines of a key file, the current key first."""
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def write_keys(path: Path, keys: list[str]) -> None:
    """Replace a key file's content atomically, keeping it private."""
    ensure_private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write("".join(f"{key}\n" for key in keys))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_or_create_key(path: Path, generate: Callable[[], str]) -> str:
    """The first key in `path`; a new one from `generate()` if the file does not exist yet.

    Raises OSError when the file can neither be read nor created: callers must not then invent a key of
    their own that nobody else shares."""
    with contextlib.suppress(FileNotFoundError):
        keys = read_keys(path)
        if keys:
            return keys[0]
    ensure_private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as file:
            file.write(generate() + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # atomic; fails if another process created the file first
    finally:
        os.unlink(temporary)
    keys = read_keys(path)
    if not keys:
        raise OSError(f"{path} is empty: remove it, or put a key in it")
    return keys[0]
