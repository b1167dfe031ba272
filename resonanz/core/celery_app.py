"""Celery in scale-out mode. Every task registered through `resonanz.core.queue.task` becomes a Celery task
of the same name; domain code never imports this module."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections  # noqa: E402

from resonanz.core import queue  # noqa: E402
from resonanz.core.celery_client import producer  # noqa: E402

app: Celery = producer()
# A worker process warms up before its first task (`_warm_up` below, about a second of CPU, more on a busy
# machine); Celery's default of 4 s for a process to report alive would kill it while it loads.
app.conf.worker_proc_alive_timeout = 60
# Celery's Django fix-up closes the database connection before and after every task unless this is set:
# on PostgreSQL each task then paid for a new connection and a new server process with cold caches. The
# connection is kept; `run` below lets Django close it as a request would (CONN_MAX_AGE, a failed health
# check, an error that left it unusable). Celery still closes it after 2 × this many tasks.
app.conf.CELERY_DB_REUSE_MAX = 5000


def _bind(spec: queue.TaskSpec) -> None:
    def run(*args: Any) -> None:
        close_old_connections()
        try:
            queue.run_task(spec.name, list(args))
        finally:
            close_old_connections()

    run.__name__ = spec.name.replace(".", "_")
    app.task(name=spec.name, time_limit=spec.time_limit_seconds)(run)


for _spec in queue.registered_tasks().values():
    _bind(_spec)


@worker_process_init.connect
def _one_blas_thread(**_: Any) -> None:
    # One BLAS thread per worker process: scale with processes (PERFORMANCE.md).
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


@worker_process_init.connect
def _warm_up(**_: Any) -> None:
    from resonanz.core.warmup import warm_up

    warm_up()  # before the process takes its first task (decision 0876)


__all__ = ["app", "settings"]
