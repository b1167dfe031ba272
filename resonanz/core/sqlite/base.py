"""The SQLite backend of the embedded mode, with one change: write transactions queue on a file lock.

SQLite lets one writer in at a time; the others poll with sleeps of up to 100 ms (the busy handler), so
under load a waiter can lose the race again and again and wait seconds while the lock is free most of the
time. Every `BEGIN IMMEDIATE` (each atomic block, decision 0004) first takes an exclusive `flock` on a file
beside the database and releases it at commit or rollback: the kernel wakes a waiter the moment the lock is
free, across threads and processes (decision 0011). Statements outside atomic blocks are unchanged.

A new database file is created readable by its owner only (0600); SQLite gives its -wal and -shm files the
same permissions.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from pathlib import Path
from typing import IO, Any

from django.db.backends.sqlite3 import base

from resonanz.core.keyfiles import create_private_file

_kept = threading.local()


def keep_connections_in_this_thread() -> None:
    """This thread's connections stay open between its units of work (decision 0877). The in-process worker
    asks for it: a new connection costs Django's set-up (SQL functions, PRAGMAs) and starts with an empty page
    cache, once per task. Other threads (web requests) keep Django's default and close theirs after each
    request: each kept connection may grow a page cache of up to 64 MB."""
    _kept.keep = True


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_lock_file: IO[bytes] | None = None
        self._writer_lock_held = False

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = str(self.settings_dict["NAME"])
        if name and not self.is_in_memory_db() and not name.startswith("file:"):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                create_private_file(Path(name))
        return super().get_new_connection(conn_params)

    def connect(self) -> None:
        super().connect()
        if getattr(_kept, "keep", False):
            self.close_at = None  # as with CONN_MAX_AGE = None: until closed or unusable

    def _writer_lock(self) -> IO[bytes] | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        if self._writer_lock_file is None:
            self._writer_lock_file = open(f"{name}.writer-lock", "ab")  # noqa: SIM115 (kept with the connection)
        return self._writer_lock_file

    def _acquire_writer_lock(self) -> None:
        lock = self._writer_lock()
        if lock is not None and not self._writer_lock_held:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._writer_lock_held = True

    def _release_writer_lock(self) -> None:
        if self._writer_lock_held and self._writer_lock_file is not None:
            fcntl.flock(self._writer_lock_file, fcntl.LOCK_UN)
            self._writer_lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer_lock()
            if self._writer_lock_file is not None:
                self._writer_lock_file.close()
                self._writer_lock_file = None
