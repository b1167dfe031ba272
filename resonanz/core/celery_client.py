"""The Celery producer: all a web process needs to hand a task to the broker by name.

It imports nothing of Resonanz, so `core.queue` can use it without importing the worker side
(`core.celery_app`, which binds every registered task and so imports `core.queue`)."""

from __future__ import annotations

from functools import cache

from celery import Celery


@cache
def producer() -> Celery:
    app = Celery("resonanz")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app
