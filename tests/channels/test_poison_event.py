"""An event that kills its worker process does not take its batch down with it, and is not retried forever.

The worker is a real subprocess against the test database; a patched parser `os._exit`s on one event, as an
OOM kill or a hard time limit would. Between runs the test does what the sweeper does once the claim's
lease has passed (in the subprocess, with the lease set to 0)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection

from resonanz.channels import ingest
from resonanz.channels.base import RawEvent
from resonanz.channels.models import InboundEvent
from resonanz.conversations.models import Message
from resonanz.testing.factories import event

WORKER = """
import os, sys
import django
django.setup()
from resonanz.channels.fake.adapter import FakeAdapter
from resonanz.channels import ingest

original = FakeAdapter.parse_inbound

def parse_or_die(self, account, raw):
    if raw.payload.get("text") == "POISON":
        os._exit(137)  # what the kernel's OOM killer or a hard time limit does to the worker
    return original(self, account, raw)

FakeAdapter.parse_inbound = parse_or_die
if sys.argv[1] == "process":
    ingest.process_events([int(i) for i in sys.argv[2].split(",")])
else:
    ingest.sweep_pending(older_than_seconds=0)
"""


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def run_worker(*args: str) -> int:
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        RESONANZ_QUEUE="eager",
        RESONANZ_AFTER_INGEST_STEPS="",
        RESONANZ_INGEST_CLAIM_LEASE_SECONDS="0",  # every claim still open is a dead worker's
        RESONANZ_LOG_LEVEL="CRITICAL",
    )
    env.pop("BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode in (0, 137), done.stderr[-2000:]
    return done.returncode


@pytest.mark.django_db(transaction=True)
def test_event_that_kills_its_worker_fails_after_three_crashes_and_its_99_neighbours_go_through(
    fake_account, monkeypatch
):
    monkeypatch.setattr(ingest, "enqueue", lambda *args: None)  # stored only: the subprocess is the worker
    events = [event(f"n-{i}", f"Kein Internet Nummer {i}", handle=f"kunde{i}") for i in range(100)]
    events[42] = event("poison", "POISON", handle="giftig")
    ids = ingest.accept_events(fake_account, [RawEvent(e["id"], e, "message") for e in events]).event_ids
    assert len(ids) == 100

    exits = [run_worker("process", ",".join(map(str, ids)))]
    while exits[-1] != 0 and len(exits) < 10:
        exits.append(run_worker("sweep"))

    # The batch died once, then the poison event alone twice more; the third crash fails it.
    assert exits == [137, 137, 137, 0]
    poison = InboundEvent.objects.get(external_id="poison")
    assert poison.status == "failed"
    assert (poison.crashes, poison.attempts) == (3, 3)
    assert poison.error == "crashed: the worker died 3 times while processing this event"
    neighbours = InboundEvent.objects.exclude(external_id="poison")
    assert list(neighbours.values_list("status", flat=True).distinct()) == ["processed"]
    assert Message.objects.count() == 99
    assert Message.objects.values("external_id").distinct().count() == 99
    # Each neighbour was processed once: by the batch run (which died) or one at a time afterwards.
    assert max(neighbours.values_list("attempts", flat=True)) <= 2
    assert run_worker("sweep") == 0
    assert Message.objects.count() == 99
