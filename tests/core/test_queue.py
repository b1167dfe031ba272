"""The in-process queue worker: runs tasks off the caller's thread, ingest before follow-up work."""

from __future__ import annotations

import threading

from resonanz.core import queue

ran: list[str] = []
gate = threading.Event()


@queue.task("test.blocker", priority=0)
def _blocker() -> None:
    gate.wait(10)
    ran.append("blocker")


@queue.task("test.slow_lane", priority=5)
def _slow_lane(label: str) -> None:
    ran.append(label)


@queue.task("test.fast_lane", priority=0)
def _fast_lane(label: str) -> None:
    ran.append(label)


@queue.task("test.broken")
def _broken() -> None:
    raise RuntimeError("boom")


def test_worker_runs_higher_priority_tasks_first_and_survives_errors():
    worker = queue._InProcessWorker()
    ran.clear()
    gate.clear()
    worker.start()
    try:
        worker.submit("test.blocker", [])  # holds the worker while the others queue up
        worker.submit("test.slow_lane", ["annotate-1"])
        worker.submit("test.broken", [])
        worker.submit("test.fast_lane", ["ingest-1"])
        worker.submit("test.slow_lane", ["annotate-2"])
        worker.submit("test.fast_lane", ["ingest-2"])
        gate.set()
        assert worker.wait_idle(10)
        assert ran == ["blocker", "ingest-1", "ingest-2", "annotate-1", "annotate-2"]
        assert worker.depth() == 0
    finally:
        worker.stop()
    assert not worker.running
