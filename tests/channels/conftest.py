"""Fixtures shared by the channel tests."""

from __future__ import annotations

import pytest

from resonanz.channels import ingest


@pytest.fixture
def queued(monkeypatch):
    """The tasks handed to the queue, not run: a backlog in front of them."""
    tasks: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(ingest, "enqueue", lambda name, ids: tasks.append((name, list(ids))))
    return tasks
