"""The one queue seam. Domain code registers tasks with `@task` and calls `enqueue`; it never imports Celery.

Backends (settings.QUEUE_BACKEND):
- ``inprocess``: a worker thread inside this process (embedded mode). Until the worker is started (by
  ``resonanz run``), tasks run in the caller's thread right after commit, so CLI one-shots just work.
- ``eager``: always run in the caller's thread right after commit (tests).
- ``celery``: hand the task to Celery workers through BROKER_URL (scale-out mode).

Tasks take JSON-able arguments (ids, never objects) and must be idempotent: the database is the source of
truth, and sweepers hand pending work to the queue again, so a task may run twice.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue as stdlib_queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction

from resonanz.core.celery_client import producer

logger = logging.getLogger("resonanz.queue")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    time_limit_seconds: int
    # Lower runs first in the in-process worker: storing what arrives (ingest) goes before the work
    # that builds on it (annotating, routing), so a burst never delays storing and threading.
    priority: int = 5
    # A task whose one argument is a list of ids may be run together with the tasks of the same name waiting
    # behind it, their lists joined up to this many ids (0: never). The in-process worker does this when it
    # falls behind: a task's fixed cost (queries, the detector's state) is then paid once for several
    # (decision 0876). Celery runs each task as sent.
    merge_up_to: int = 0
    # In the in-process worker a task of this kind lets the tasks of its priority sent up to this many seconds
    # after it go first (earliest due first: it is due this long after it was sent), so the work a reader
    # waits for is not queued behind work nobody waits for; it never waits longer than that behind later
    # tasks, however busy the worker is (decision 0879). Celery runs each task as sent.
    patience_seconds: float = 0.0


_TASKS: dict[str, TaskSpec] = {}


def task(
    name: str,
    *,
    time_limit_seconds: int = 300,
    priority: int = 5,
    merge_up_to: int = 0,
    patience_seconds: float = 0.0,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a task under a stable name (the name is the contract with the broker, not the module)."""

    def register(func: Callable[P, R]) -> Callable[P, R]:
        if name in _TASKS and _TASKS[name].func is not func:
            raise RuntimeError(f"task {name!r} registered twice")
        _TASKS[name] = TaskSpec(
            name=name,
            func=func,
            time_limit_seconds=time_limit_seconds,
            priority=priority,
            merge_up_to=merge_up_to,
            patience_seconds=patience_seconds,
        )
        return func

    return register


def registered_tasks() -> dict[str, TaskSpec]:
    return dict(_TASKS)


def run_task(name: str, args: list[Any]) -> None:
    """Run one task by name in this thread. Errors are logged, never raised: the sweepers retry."""
    spec = _TASKS.get(name)
    if spec is None:
        logger.error("queue.task.unknown", extra={"task": name})
        return
    started = time.perf_counter()
    try:
        spec.func(*args)
    except Exception:
        logger.exception("queue.task.failed", extra={"task": name})
    else:
        logger.debug(
            "queue.task.done", extra={"task": name, "ms": round((time.perf_counter() - started) * 1000, 1)}
        )


def _id_list(args: list[Any]) -> list[Any] | None:
    """The one list argument of a task that can be merged, else None."""
    return args[0] if len(args) == 1 and isinstance(args[0], list) else None


# (priority, due: monotonic seconds, sequence, task name, arguments)
_Item = tuple[int, float, int, str, list[Any]]


class _InProcessWorker:
    """One worker thread per process; tasks by priority, then by when they are due (when they came, plus
    their kind's `patience_seconds`), then in the order they came."""

    def __init__(self, name: str = "resonanz-worker") -> None:
        self._name = name
        self._queue: stdlib_queue.PriorityQueue[_Item] = stdlib_queue.PriorityQueue()
        self._sequence = itertools.count()
        self._thread: threading.Thread | None = None
        self._idle = threading.Condition()
        self._busy = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()
        logger.info("queue.worker.started", extra={"backend": "inprocess", "lane": self._name})

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        self._queue.put((-1, 0.0, next(self._sequence), "", []))  # the stop sign, ahead of everything
        self._thread.join(timeout)
        self._thread = None

    def submit(self, name: str, args: list[Any]) -> None:
        with self._idle:
            self._busy += 1
        spec = _TASKS.get(name)
        priority, patience = (spec.priority, spec.patience_seconds) if spec else (5, 0.0)
        self._queue.put((priority, time.monotonic() + patience, next(self._sequence), name, args))

    def depth(self) -> int:
        return self._queue.qsize()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def _merge(self, name: str, args: list[Any]) -> tuple[list[Any], int]:
        """`args` joined with the lists of the tasks of the same name waiting in the queue, as long as the
        total stays within the task's `merge_up_to`; those tasks leave the queue. Returns the arguments and
        how many tasks they stand for."""
        spec = _TASKS.get(name)
        first = _id_list(args)
        if spec is None or not spec.merge_up_to or first is None:
            return args, 1
        joined = list(first)
        taken = 1
        with self._queue.mutex:
            waiting = self._queue.queue
            kept = []
            for item in sorted(waiting):  # in the order they would run
                other = _id_list(item[4]) if item[3] == name else None
                if other is not None and len(joined) + len(other) <= spec.merge_up_to:
                    joined.extend(other)
                    taken += 1
                else:
                    kept.append(item)
            if taken > 1:
                waiting[:] = kept
                heapq.heapify(waiting)
        return [joined], taken

    def _loop(self) -> None:
        from resonanz.core.sqlite.base import keep_connections_in_this_thread

        keep_connections_in_this_thread()
        while True:
            priority, _, _, name, args = self._queue.get()
            if priority < 0:
                return
            args, taken = self._merge(name, args)
            close_old_connections()
            try:
                run_task(name, args)
            finally:
                close_old_connections()
                with self._idle:
                    self._busy -= taken
                    if not self._busy:
                        self._idle.notify_all()


worker = _InProcessWorker()


def _submit(name: str, args: list[Any]) -> None:
    backend = settings.QUEUE_BACKEND
    if backend == "celery":
        producer().send_task(name, args=args)
    elif backend == "inprocess" and worker.running:
        worker.submit(name, args)
    else:
        run_task(name, args)


def enqueue(name: str, *args: Any) -> None:
    """Hand a task to the queue once the current transaction commits (at once outside a transaction)."""
    if name not in _TASKS:
        raise KeyError(f"unknown task {name!r}")
    arglist = list(args)
    transaction.on_commit(lambda: _submit(name, arglist))


def queue_depth() -> int | None:
    """Tasks waiting in this process's worker; None where the broker holds them."""
    if settings.QUEUE_BACKEND == "inprocess":
        return worker.depth()
    return None
