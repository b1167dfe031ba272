"""Periodic jobs (sweepers, pollers). One loop runs them: a thread in embedded mode, `resonanz run scheduler`
in scale-out mode (run exactly one). A job only enqueues work or does a cheap query; it must be idempotent."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections

logger = logging.getLogger("resonanz.scheduler")


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    func: Callable[[], object]
    next_run: float = field(default=0.0)


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every_seconds: float) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(func: Callable[[], object]) -> Callable[[], object]:
        _JOBS[name] = PeriodicJob(name=name, every_seconds=every_seconds, func=func)
        return func

    return register


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def run_due(now: float | None = None) -> list[str]:
    """Run every job whose time has come; returns their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for job in list(_JOBS.values()):
        if job.next_run > now:
            continue
        job.next_run = now + job.every_seconds
        close_old_connections()
        try:
            job.func()
        except Exception:
            logger.exception("scheduler.job.failed", extra={"job": job.name})
        ran.append(job.name)
    return ran


class SchedulerThread(threading.Thread):
    def __init__(self, tick_seconds: float = 1.0) -> None:
        super().__init__(name="resonanz-scheduler", daemon=True)
        self._stop_event = threading.Event()
        self._tick = tick_seconds

    def run(self) -> None:
        logger.info("scheduler.started", extra={"jobs": sorted(_JOBS)})
        while not self._stop_event.is_set():
            run_due()
            self._stop_event.wait(self._tick)

    def stop(self) -> None:
        self._stop_event.set()
