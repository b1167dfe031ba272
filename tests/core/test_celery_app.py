"""The Celery worker in scale-out mode keeps its database connection from task to task (Celery's Django
fix-up closes it around every task unless told otherwise: a new PostgreSQL server process per task)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from resonanz.core.celery_app import app

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_keeps_its_database_connection_between_tasks():
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    kept = connection.connection
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    for _ in range(3):
        fixup.on_task_prerun(sender=task)
        fixup.on_task_postrun(sender=task)
    assert connection.connection is kept


def test_a_task_leaves_a_broken_connection_for_django_to_close(monkeypatch):
    """What Celery no longer closes, Django does, as after a request: an unusable connection goes."""
    task = app.tasks["channels.process_events"]
    connection.ensure_connection()
    broken = connection.connection
    monkeypatch.setattr(connection, "errors_occurred", True)
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    task.run([])
    assert connection.connection is not broken  # closed (the task may have opened a new one)
