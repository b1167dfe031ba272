"""A named lock across threads and processes that is not the database's write lock (decision 0859).

Work that must have one owner at a time but spends most of its time computing (the incident detector) takes
such a lock, computes, and only then opens its short write transaction. On SQLite the write transaction is
the whole database's one writer (decision 0011): computing inside it held back every other writer.

- SQLite, a database file: an exclusive `flock` on a file beside it (`<database>.lock-<name>`); the kernel
  releases it when the holder's process dies.
- PostgreSQL: a session advisory lock (`pg_advisory_lock`), released with the session if the process dies.
- SQLite in memory (tests): a lock of this process.

Never take one while holding the database's write lock: a holder of the named lock may be waiting for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
import zlib
from collections.abc import Iterator

from django.db import connection

# The first key of PostgreSQL's two-key advisory locks: Resonanz's own space of locks.
ADVISORY_SPACE = 0x52534E5A  # "RSNZ"

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


@contextlib.contextmanager
def named_lock(name: str) -> Iterator[None]:
    """Hold the lock `name` (letters, digits, `-` and `.`) for the block; waits while another holds it."""
    if connection.in_atomic_block:
        raise RuntimeError(f"named_lock({name!r}) inside a transaction could wait on its own writer")
    if connection.vendor == "postgresql":
        key = zlib.crc32(name.encode("utf-8")) - 2**31  # a signed 32-bit key, stable across processes
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_SPACE, key])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_SPACE, key])
        return
    database = str(connection.settings_dict["NAME"])
    if not database or connection.creation.is_in_memory_db(database):  # type: ignore[attr-defined]
        with _memory_guard:
            lock = _memory_locks.setdefault(name, threading.Lock())
        with lock:
            yield
        return
    with open(f"{database}.lock-{name}", "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
