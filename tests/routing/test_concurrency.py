"""Parallel routing workers (separate processes, PostgreSQL) never assign a conversation twice, never
lose an update and never push an agent over capacity."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from resonanz.conversations.models import Conversation, TimelineEntry
from resonanz.testing.factories import AgentFactory, ConversationFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.IS_SQLITE, reason="SQLite serializes writers; parallel routing needs PostgreSQL"
    ),
]

WORKERS = 4


def database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def route_in_parallel(conversation_ids: list[int], batch: int = 1) -> None:
    """Start WORKERS processes that each route every conversation (in its own shuffled order), release
    them together and wait for all of them."""
    env = {**os.environ, "DATABASE_URL": database_url(), "RESONANZ_QUEUE": "eager"}
    processes = []
    for seed in range(WORKERS):
        order = list(conversation_ids)
        random.Random(seed).shuffle(order)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.routing.route_worker", f"--batch={batch}", *map(str, order)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                text=True,
            )
        )
    try:
        for process in processes:  # wait until every worker is connected
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        for process in processes:
            out, _ = process.communicate(timeout=120)
            assert process.returncode == 0
            assert out.strip() == "done"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


# One conversation per transaction, and batches per transaction as the after-ingest step routes them
# (decision 0832: agents are locked once per batch, in id order).
BATCHES = pytest.mark.parametrize("batch", [1, 5])


@BATCHES
def test_parallel_workers_assign_each_conversation_exactly_once(fake_account, workspace, batch):
    agents = AgentFactory.create_batch(3, workspace=workspace, capacity=100)
    conversations = ConversationFactory.create_batch(24, channel_account=fake_account)
    route_in_parallel([c.pk for c in conversations], batch)
    owners = dict(Conversation.objects.values_list("id", "owner_id"))
    assert all(owners[c.pk] in {a.pk for a in agents} for c in conversations)
    per_conversation = (
        TimelineEntry.objects.filter(kind__in=("assigned", "transferred"))
        .values("conversation_id")
        .annotate(n=Count("id"))
    )
    assert sorted(row["n"] for row in per_conversation) == [1] * 24
    loads = sorted(
        Conversation.objects.values("owner_id").annotate(n=Count("id")).values_list("n", flat=True)
    )
    # Balanced by open workload, roughly: each worker keeps its own view of the workloads between
    # refreshes (ROUTING_SNAPSHOT_SECONDS), so parallel workers spread work evenly each on its own.
    assert sum(loads) == 24
    assert len(loads) == 3
    assert loads[0] >= 4


@BATCHES
def test_parallel_workers_never_push_an_agent_over_capacity(fake_account, workspace, batch):
    agents = AgentFactory.create_batch(3, workspace=workspace, capacity=4)
    conversations = ConversationFactory.create_batch(20, channel_account=fake_account)
    route_in_parallel([c.pk for c in conversations], batch)
    loads = dict(
        Conversation.objects.filter(owner__isnull=False)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    assert loads == {a.pk: 4 for a in agents}
    assert Conversation.objects.filter(owner__isnull=True).count() == 8
    assert TimelineEntry.objects.filter(kind="assigned").count() == 12
    assert TimelineEntry.objects.count() == 12  # the 8 left over wait without a team: nothing to record
