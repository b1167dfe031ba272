"""The in-process queue worker: runs tasks off the caller's thread, ingest before follow-up work."""

from __future__ import annotations

import importlib
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


def test_the_background_topic_pass_waits_for_the_steps_queued_before_it_only():
    # Decision 0823: a post's topic pass (deferred by its first pass) runs in arrival order among the
    # after-ingest steps, not after every step queued later: under a sustained stream it never starves.
    for module in ("resonanz.channels.tasks", "resonanz.understanding.tasks"):  # they register the tasks
        importlib.import_module(module)
    from resonanz.channels.ingest import AFTER_INGEST_TASK, PROCESS_TASK
    from resonanz.understanding.pipeline import COMPLETE_DEFERRED_TASK

    worker = queue._InProcessWorker()  # not started: read the order it would run them in
    worker.submit(AFTER_INGEST_TASK, ["batch 1"])
    worker.submit(COMPLETE_DEFERRED_TASK, ["topics of batch 1"])
    worker.submit(AFTER_INGEST_TASK, ["batch 2"])
    worker.submit(PROCESS_TASK, ["events"])
    order = [worker._queue.get()[4][0] for _ in range(4)]
    assert order == ["events", "batch 1", "topics of batch 1", "batch 2"]


merged: list[list[int]] = []


@queue.task("test.mergeable", priority=5, merge_up_to=5)
def _mergeable(ids: list[int]) -> None:
    merged.append(list(ids))


def test_waiting_tasks_of_a_mergeable_kind_run_together_within_their_limit():
    # Decision 0876: when the worker falls behind, the after-ingest tasks waiting behind the one it takes
    # run as one (their fixed cost once); other tasks keep their order, and waiting for idle still works.
    worker = queue._InProcessWorker()
    ran.clear()
    merged.clear()
    gate.clear()
    worker.start()
    try:
        worker.submit("test.blocker", [])  # holds the worker while the others queue up
        worker.submit("test.mergeable", [[1, 2]])
        worker.submit("test.slow_lane", ["between"])
        worker.submit("test.mergeable", [[3, 4]])
        worker.submit("test.mergeable", [[5, 6]])  # 6 ids would pass the limit of 5: runs on its own
        worker.submit("test.mergeable", [[7]])
        gate.set()
        assert worker.wait_idle(10)
        assert merged == [[1, 2, 3, 4, 7], [5, 6]]
        assert ran == ["blocker", "between"]
        assert worker.depth() == 0
    finally:
        worker.stop()


def test_a_task_without_a_merge_limit_runs_as_sent():
    worker = queue._InProcessWorker()  # not started
    worker.submit("test.slow_lane", ["a"])
    worker.submit("test.slow_lane", ["b"])
    first = worker._queue.get()
    assert worker._merge(first[3], first[4]) == (["a"], 1)
    assert worker.depth() == 1


@queue.task("test.patient", priority=5, patience_seconds=3.0)
def _patient(label: str) -> None:
    ran.append(label)


def test_a_patient_task_lets_later_tasks_go_first_for_its_patience_only(monkeypatch):
    # Decision 0879: incident detection waits behind the after-ingest tasks sent in the next seconds (readiness
    # first), but never longer: a task sent after its patience ran out comes after it.
    clock = iter([100.0, 101.0, 102.9, 103.1, 104.0])
    monkeypatch.setattr(queue.time, "monotonic", lambda: next(clock))
    worker = queue._InProcessWorker()  # not started: read the order it would run them in
    worker.submit("test.patient", ["detect 1"])  # due at 103.0
    worker.submit("test.slow_lane", ["ready 2"])  # 101.0
    worker.submit("test.slow_lane", ["ready 3"])  # 102.9
    worker.submit("test.slow_lane", ["ready 4"])  # 103.1: after the patient task
    worker.submit("test.fast_lane", ["ingest"])  # a higher priority goes first whenever it came
    order = [worker._queue.get()[4][0] for _ in range(5)]
    assert order == ["ingest", "ready 2", "ready 3", "detect 1", "ready 4"]
