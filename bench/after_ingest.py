"""CPU cost of the steps after ingest (settings.AFTER_INGEST_STEPS), in one process. Prints ONE JSON object.

    python bench/after_ingest.py [--events 10000] [--agents 0] [--database-url postgres://…/resonanz_after]
                                 [--profile FILE] [--digest] [--alternate] [--keep]

The stream is bench/ingest.py's: its PHRASES and CITIES, the same seed, customers and replies, one message
every 1/`--rate` seconds of stream time. The events go through the real ingest path (`accept_events` →
`process_events` of the fake channel, imitating X, public) into a fresh database (a temporary SQLite data
folder, or the PostgreSQL database of `--database-url`, dropped and created) with the steps switched off;
then the messages are due again and `run_after_ingest_steps` runs over them in id order, in tasks of
settings.AFTER_INGEST_BATCH, as the worker does. `--agents N` agents are online (bench/ingest.py has none).

    cpu_ms_per_message   {step: CPU ms (time.process_time) per message, total}; `annotate` includes
                         `complete_deferred`, the understanding step's background pass (decision 0822), which
                         the embedded server's worker also runs (here it runs inline, right after the step);
                         `rest` is run_after_ingest_steps' own bookkeeping
    wall_s               wall time of all tasks (load_average says how busy the shared machine was)
    incidents, members   what the detector found
    digest               with --digest: a hash of every output (labels, routing, incidents, members), so two
                         versions of the code can be compared on the same stream
`--alternate` has two processes take turns, as the embedded server's two processes and scale-out mode's
workers do: each task finds its memory copy of the detector state outdated by the other's write, reads the
state from the database (taking over the clusters neither changed, decision 0859) and writes it back.
`--profile FILE` writes a cProfile of the tasks (read it with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import hashlib
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import CITIES, PHRASES, load_average, make_events  # bench/ingest.py's stream

STEPS = {
    "resonanz.understanding.pipeline.annotate_messages": "annotate",
    "resonanz.routing.pipeline.route_messages": "route",
    "resonanz.incidents.pipeline.detect_incidents": "detect",
}


def setup(database_url: str) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ["RESONANZ_DATA_DIR"] = tempfile.mkdtemp(prefix="rz-bench-after-ingest-")
    os.environ.setdefault("RESONANZ_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault(
        "RESONANZ_ENCRYPTION_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    )
    os.environ["RESONANZ_LOG_LEVEL"] = "WARNING"
    os.environ["RESONANZ_QUEUE"] = "inprocess"  # no worker thread: tasks run in this thread after commit
    os.environ.pop("BROKER_URL", None)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        import psycopg

        base, _, name = database_url.rpartition("/")
        with psycopg.connect(
            f"{base}/postgres".replace("postgres://", "postgresql://", 1), autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(events: int, agents: int, rate: float) -> list[int]:
    """The stream through the real ingest path with the steps off; returns the new messages' ids."""
    from django.conf import settings

    from resonanz.channels.actions import do_create_channel_account
    from resonanz.channels.ingest import accept_events
    from resonanz.channels.registry import get_adapter
    from resonanz.conversations.models import Message
    from resonanz.understanding.actions import do_ensure_default_topics
    from resonanz.workspaces.actions import do_create_agent, do_create_workspace
    from resonanz.workspaces.models import Agent

    workspace = do_create_workspace("Bench")
    do_ensure_default_topics(workspace)
    for index in range(agents):
        do_create_agent(
            workspace,
            username=f"bench-agent-{index}",
            password=None,
            display_name=f"Agent {index}",
            presence=Agent.Presence.ONLINE,
        )
    account = do_create_channel_account(
        workspace,
        kind="fake",
        name="Bench X",
        secret="bench-secret",
        config={"imitates": "x"},
        is_public=True,
    )
    # A fixed stream time (not the wall clock): the detector reads the messages' own times, so the same
    # stream gives the same incidents in every run.
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    stream = make_events(events, 3_000)
    steps, settings.AFTER_INGEST_STEPS = settings.AFTER_INGEST_STEPS, []
    try:
        for offset in range(0, len(stream), 100):
            batch = [
                dict(event, created_at=(start + dt.timedelta(seconds=index / rate)).isoformat())
                for index, event in enumerate(stream[offset : offset + 100], start=offset)
            ]
            body = json.dumps({"events": batch}).encode()
            accept_events(account, get_adapter("fake").events_from_request(account, body))
    finally:
        settings.AFTER_INGEST_STEPS = steps
    ids = list(Message.objects.filter(direction="in").order_by("id").values_list("id", flat=True))
    Message.objects.filter(id__in=ids).update(after_ingest_pending=True, after_ingest_claimed_at=None)
    return ids


def warm(ids: Sequence[int]) -> None:
    """Load every model once before the clock starts, as a running server has (nothing is stored)."""
    from resonanz.understanding.embedding import embed_texts
    from resonanz.understanding.pipeline import load_inputs, understanding_for
    from resonanz.workspaces.models import Workspace

    for workspace_id, inputs in load_inputs(ids[:50]).items():
        engine = understanding_for(Workspace.objects.get(pk=workspace_id))
        engine.run(inputs, {}, embed=True, defer_public=False)
    embed_texts(["warm"])


def timed(name: str, func: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    active: list[bool] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if active:  # a nested call (the deferred pass annotates again) is counted by the outer one
            return func(*args, **kwargs)
        active.append(True)
        started = time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - started
            active.pop()

    return wrapper


def run_steps(ids: Sequence[int], spent: dict[str, float], profile: str, alternate: bool) -> float:
    """Every step in tasks of settings.AFTER_INGEST_BATCH, each step's CPU time counted apart."""
    import importlib

    from django.conf import settings

    from resonanz.channels.ingest import run_after_ingest_steps
    from resonanz.core import queue

    for path, name in STEPS.items():
        module_name, _, attribute = path.rpartition(".")
        module = importlib.import_module(module_name)
        setattr(module, attribute, timed(name, getattr(module, attribute), spent))
    tasks = queue.registered_tasks()
    deferred = tasks["understanding.complete_deferred"]
    queue._TASKS[deferred.name] = queue.TaskSpec(
        name=deferred.name,
        func=timed("complete_deferred", deferred.func, spent),
        time_limit_seconds=deferred.time_limit_seconds,
        priority=deferred.priority,
    )
    size = settings.AFTER_INGEST_BATCH
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    from resonanz.incidents import actions

    memories: list[dict[Any, Any]] = [{}, {}]
    for number, start in enumerate(range(0, len(ids), size)):
        if alternate:  # two processes take turns: each keeps its own copy, which the other wrote over
            actions._cache = memories[number % 2]
        run_after_ingest_steps(ids[start : start + size])
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    return time.process_time() - started


def digest() -> tuple[str, dict[str, int]]:
    """A hash of what the steps wrote (labels, routing, incidents and members), by external ids, not row
    ids or times (they differ between runs)."""
    from resonanz.conversations.models import Conversation, Message
    from resonanz.incidents.models import Incident, IncidentMember
    from resonanz.understanding.models import Annotation

    external = dict(Message.objects.values_list("id", "external_id"))
    head = dict(
        Message.objects.filter(direction="in").order_by("-id").values_list("conversation_id", "external_id")
    )  # a conversation by the external id of its first message (the last written wins: newest first)
    labels = sorted(
        (external[m], a, v, str(label), json.dumps(data, sort_keys=True) if a != "embedding" else "")
        for m, a, v, label, data in Annotation.objects.values_list(
            "message_id", "annotator", "version", "label", "data"
        )
    )
    routing = sorted(
        (head.get(c, ""), str(owner), str(team), str(priority), str(status), bool(noise))
        for c, owner, team, priority, status, noise in Conversation.objects.values_list(
            "id", "owner__user__username", "team__slug", "priority", "status", "is_noise"
        )
    )
    incidents = sorted(
        (
            i.title,
            json.dumps(i.cities, sort_keys=True),
            json.dumps(i.states, sort_keys=True),
            i.member_count,
            i.customer_count,
            str(i.burst_ended_at is not None),
        )
        for i in Incident.objects.all()
    )
    members = sorted(
        (head.get(c, ""), external[m], t)
        for c, m, t in IncidentMember.objects.values_list("conversation_id", "message_id", "incident__title")
    )
    blob = json.dumps([labels, routing, incidents, members], default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16], {
        "labels": len(labels),
        "conversations": len(routing),
        "incidents": len(incidents),
        "members": len(members),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000, help="messages per second of stream time")
    parser.add_argument("--agents", type=int, default=0, help="agents online (bench/ingest.py has none)")
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database to drop, create and use (postgres://…/name); default a temporary SQLite",
    )
    parser.add_argument(
        "--alternate",
        action="store_true",
        help="as in scale-out mode, where worker processes take turns: every task reads the detector state",
    )
    parser.add_argument("--profile", default="", help="write a cProfile of the tasks to this file")
    parser.add_argument("--digest", action="store_true", help="hash every output (for comparing versions)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    assert PHRASES and CITIES  # the stream is bench/ingest.py's

    setup(args.database_url)
    from django.conf import settings

    from resonanz.incidents.models import Incident, IncidentMember

    ids = seed(args.events, args.agents, args.rate)
    warm(ids)
    spent: dict[str, float] = {}
    load_start = load_average()
    wall_started = time.perf_counter()
    total = run_steps(ids, spent, args.profile, args.alternate)
    wall = time.perf_counter() - wall_started
    per_message = {
        name: round(spent.get(name, 0.0) * 1000 / len(ids), 3)
        for name in ("annotate", "complete_deferred", "route", "detect")
    }
    per_message["rest"] = round(
        (total - sum(spent.get(n, 0.0) for n in ("annotate", "route", "detect"))) * 1000 / len(ids), 3
    )
    per_message["total"] = round(total * 1000 / len(ids), 3)
    result: dict[str, Any] = {
        "database": "postgresql" if args.database_url else "sqlite",
        "messages": len(ids),
        "batch": settings.AFTER_INGEST_BATCH,
        "agents": args.agents,
        "alternate": args.alternate,
        "cpu_ms_per_message": per_message,
        "cpu_s": round(total, 2),
        "wall_s": round(wall, 2),
        "incidents": Incident.objects.count(),
        "members": IncidentMember.objects.count(),
        "load_avg_start": load_start,
        "load_avg_end": load_average(),
    }
    if args.digest:
        result["digest"], result["outputs"] = digest()
    print(json.dumps(result))
    if not args.keep:
        import shutil

        from django.db import connection

        connection.close()
        shutil.rmtree(os.environ["RESONANZ_DATA_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
