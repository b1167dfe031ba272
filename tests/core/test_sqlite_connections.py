"""The embedded server keeps a thread's SQLite connection between tasks and requests (decision 0877)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from resonanz.core import queue

pytestmark = pytest.mark.django_db(transaction=True)

seen: list[object] = []  # the connections themselves: an id() of a closed one may be reused


@queue.task("test.which_connection")
def _which_connection() -> None:
    connection.ensure_connection()
    seen.append(connection.connection)


@queue.task("test.close_connection")
def _close_connection() -> None:
    connection.close()


@pytest.fixture(autouse=True)
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL connections are kept by CONN_MAX_AGE since decision 0007")


def test_the_worker_keeps_its_connection_from_one_task_to_the_next():
    worker = queue._InProcessWorker()
    seen.clear()
    worker.start()
    try:
        worker.submit("test.which_connection", [])
        worker.submit("test.which_connection", [])
        worker.submit("test.close_connection", [])  # leave no connection behind for the next test
        assert worker.wait_idle(10)
    finally:
        worker.stop()
    assert len(seen) == 2
    assert seen[0] is seen[1]  # the same sqlite3 connection: no new set-up, a warm page cache


def _after_a_unit_of_work(keep: bool) -> bool:
    """In a thread of its own: connect, end a unit of work as Django does; whether the connection is open."""
    from django.db import close_old_connections

    from resonanz.core.sqlite.base import keep_connections_in_this_thread

    outcome: list[bool] = []

    def run() -> None:
        if keep:
            keep_connections_in_this_thread()
        connection.ensure_connection()
        close_old_connections()  # what Django does after each request
        outcome.append(connection.connection is not None)
        connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return outcome[0]


def test_only_threads_that_ask_keep_their_connection():
    # Web threads close theirs after each request: each kept connection may grow a 64 MB page cache.
    assert _after_a_unit_of_work(keep=False) is False
    assert _after_a_unit_of_work(keep=True) is True
