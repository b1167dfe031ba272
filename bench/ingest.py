"""Ingest benchmark: events pushed through the signed webhook endpoint until stored, normalized and threaded.

    python bench/ingest.py --mode embedded  [--events 20000] [--batch 100] [--concurrency 4]
    python bench/ingest.py --mode scaleout  (needs PostgreSQL on 127.0.0.1:5432 and Redis on 6379)

Starts the real server processes (embedded: `resonanz run`, one process with the in-process worker;
scale-out: `resonanz run web` with 2 gunicorn workers, `resonanz run worker` with 2 Celery worker processes
and `resonanz run scheduler`), posts batches of events from client threads and reads back, per event, when
its processing transaction wrote it. Prints one JSON object: mode, events, events_per_s, latency_ms_p50, latency_ms_p99 (+ details).
Cost on a shared machine: cpu_s_per_1000_events = CPU seconds (user + system) the server's processes (and in
scale-out mode the worker processes and this run's PostgreSQL backends) spent between the first POST and the
end, per 1,000 events; cpu_s_by_part = the same CPU seconds per part (web, worker, scheduler, postgres: the
backends alive at the end, so short-lived connections are not counted); load_avg_start / load_avg_end =
/proc/loadavg's 1-minute figure.
Latency = from the moment the batch's POST was sent until the event's processing wrote its result.
With the steps after threading on: ready_ms_p50, ready_ms_p99 = from the POST until the message is
annotated and routed (its annotation rows written and, where routing assigned it, the assignment entry),
read once every message's after-ingest steps are done; ready_events_per_s = the messages made ready per second
from the first POST until the last was ready (the whole pipeline's rate; events_per_s counts storing only,
the steps may run behind it). With --rate R events_per_s stays below R: it is events / (the last POST's
moment + the last event's latency).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESONANZ = str(Path(sys.executable).parent / "resonanz")
SECRET = "bench-secret"

PHRASES = [
    "Seit heute Morgen kein Internet in {city}, Router blinkt rot. Wann geht das wieder?",
    "Meine Rechnung für Oktober ist doppelt abgebucht worden, bitte prüfen!",
    "Danke an das Team, der Techniker war pünktlich und super freundlich.",
    "WLAN bricht ständig ab, seit dem Update geht gar nichts mehr in {city}.",
    "Wie kann ich meinen Vertrag auf 250 Mbit upgraden? Kundennummer liegt vor.",
    "Mobilfunk in {city} tot, kein Netz seit 10 Uhr. Was ist da los?",
    "TV-Receiver zeigt Fehler E-204, Neustart hilft nicht.",
    "My internet has been down since this morning, any news on the outage in {city}?",
]
CITIES = ["Köln", "Leipzig", "Berlin", "Hamburg", "München", "Dortmund", "Dresden", "Bonn"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def make_events(count: int, customers: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    events: list[dict[str, object]] = []
    for index in range(count):
        customer = rng.randrange(customers)
        event: dict[str, object] = {
            "id": f"bench-{index}",
            "author": {"handle": f"kunde_{customer}", "name": f"Kunde {customer}"},
            "text": rng.choice(PHRASES).format(city=rng.choice(CITIES)),
            "public": True,
        }
        if index > 10 and rng.random() < 0.2:
            event["reply_to"] = f"bench-{rng.randrange(index)}"
        events.append(event)
    return events


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children) from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / CLOCK_TICKS


def tree_cpu_seconds(roots: list[int], extra: Sequence[int] = ()) -> dict[int, float]:
    """CPU seconds, per process, of the processes ``roots``, all their descendants, and ``extra``."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    wanted = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in stats.items():
            if parent in wanted and pid not in wanted:
                wanted.add(pid)
                grew = True
    wanted.update(extra)
    return {pid: stats[pid][1] for pid in wanted if pid in stats}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two samples by the processes alive at the second (a process that ended in
    between is left out: its parent counts it once it reaped it)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def postgres_backends(database_url: str) -> list[int]:
    """The server processes of this run's PostgreSQL database (the same machine)."""
    import psycopg

    name = database_url.rpartition("/")[2]
    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [int(row[0]) for row in rows]


def events_pending(env: dict[str, str]) -> int:
    """Events not processed yet, read from the database directly (an index-only count): the health
    endpoint's counts include COUNT(*) over all messages, which grows with the data and would load the
    server from the observer's side."""
    return _count(env, "SELECT COUNT(*) FROM channels_inboundevent WHERE status = 'pending'")


def _count(env: dict[str, str], sql: str) -> int:
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://", 1)) as conn:
            row = conn.execute(sql).fetchone()
    else:
        import sqlite3

        with sqlite3.connect(Path(env["RESONANZ_DATA_DIR"]) / "resonanz.sqlite3", timeout=30) as conn:
            row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


def after_ingest_pending(env: dict[str, str]) -> int:
    """Messages whose steps after threading (annotating, routing) have not run yet: read from the database
    directly (SQLite in WAL mode or PostgreSQL), the server keeps running."""
    return _count(env, "SELECT COUNT(*) FROM conversations_message WHERE after_ingest_pending")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=["embedded", "scaleout"], default="embedded")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="offered load in events/s (batches are paced; 0 = as fast as the server takes them)",
    )
    parser.add_argument("--customers", type=int, default=3_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "RESONANZ_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/resonanz_bench"
        ),
        help="scale-out: the PostgreSQL database to drop and create (default $RESONANZ_BENCH_DATABASE_URL)",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("RESONANZ_BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
        help="scale-out: the Redis database to flush and use (default $RESONANZ_BENCH_BROKER_URL)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="switch off the steps after threading (annotating, routing): measures the ingest path alone",
    )
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="resonanz-bench-")
    env = dict(os.environ, RESONANZ_DATA_DIR=data_dir, OMP_NUM_THREADS="1", RESONANZ_LOG_LEVEL="WARNING")
    env.setdefault("RESONANZ_SECRET_KEY", secrets.token_urlsafe(50))  # scale-out mode refuses to run without
    env["RESONANZ_HEALTH_TOKEN"] = secrets.token_urlsafe(16)
    # Scale-out mode needs the credentials' encryption key from the environment, the same for every process.
    env.setdefault("RESONANZ_ENCRYPTION_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    if args.ingest_only:
        env["RESONANZ_AFTER_INGEST_STEPS"] = ""
    env.pop("DATABASE_URL", None)
    env.pop("BROKER_URL", None)
    if args.mode == "scaleout":
        import psycopg
        import redis

        base, _, name = args.database_url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        redis.Redis.from_url(args.broker_url).flushdb()
        env.update(DATABASE_URL=args.database_url, BROKER_URL=args.broker_url)

    run([RESONANZ, "init", "--workspace", "Bench"], env)
    account_id = int(
        run(
            [
                RESONANZ,
                "shell",
                "-c",
                "from resonanz.channels.actions import do_create_channel_account as c;"
                "from resonanz.workspaces.models import Workspace as W;"
                f"print(c(W.objects.get(slug='bench'), kind='fake', name='Bench X', secret='{SECRET}',"
                " config={'imitates': 'x'}, is_public=True).pk)",
            ],
            env,
        )
        .strip()
        .splitlines()[-1]
    )

    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115
    if args.mode == "embedded":
        procs.append(
            subprocess.Popen([RESONANZ, "run", "--port", str(port)], env=env, stdout=log, stderr=log)
        )
    else:
        procs.append(
            subprocess.Popen(
                [RESONANZ, "run", "web", "--port", str(port), "--workers", "2"],
                env=env,
                stdout=log,
                stderr=log,
            )
        )
        procs.append(
            subprocess.Popen(
                [RESONANZ, "run", "worker", "--concurrency", "2"], env=env, stdout=log, stderr=log
            )
        )
        # As in a deployment: the scheduler's sweeps hand out events whose retry time has come.
        procs.append(subprocess.Popen([RESONANZ, "run", "scheduler"], env=env, stdout=log, stderr=log))
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200, 180, "the server")
        if args.mode == "scaleout":
            time.sleep(3)  # let the Celery worker connect to the broker before the clock starts

        events = make_events(args.events, args.customers)
        batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
        # Bodies and signatures are made before the clock starts: a real sender is another machine, and
        # the load generator should not take the server's CPU for work the server never does.
        signed = []
        for batch in batches:
            body = json.dumps({"events": batch}).encode()
            signed.append((body, "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()))
        sent_at: dict[str, float] = {}
        http_ms: list[float] = []
        lock = threading.Lock()
        cursor = iter(range(len(batches)))

        def sender() -> None:
            with httpx.Client(timeout=60) as client:
                while True:
                    with lock:
                        index = next(cursor, None)
                    if index is None:
                        return
                    batch = batches[index]
                    if args.rate:
                        due = started + index * args.batch / args.rate
                        pause = due - time.time()
                        if pause > 0:
                            time.sleep(pause)
                    body, signature = signed[index]
                    posted = time.time()
                    response = client.post(
                        f"{base_url}/api/channels/{account_id}/events",
                        content=body,
                        headers={"Content-Type": "application/json", "X-Resonanz-Signature": signature},
                    )
                    response.raise_for_status()
                    with lock:
                        http_ms.append((time.time() - posted) * 1000)
                        for event in batch:
                            sent_at[str(event["id"])] = posted

        load_start = load_average()
        backends_at_start = postgres_backends(args.database_url) if args.mode == "scaleout" else []
        roots = [proc.pid for proc in procs]
        cpu_start = tree_cpu_seconds(roots, backends_at_start)
        started = time.time()
        threads = [threading.Thread(target=sender) for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        send_seconds = time.time() - started

        # The finish time is read from the events' processed_at, not from this poll; the poll is one
        # index-only count, so the observer's load does not grow with the data.
        wait_for(lambda: events_pending(env) == 0, 3600, "all events processed", interval=0.5)
        if not args.ingest_only:
            wait_for(
                lambda: after_ingest_pending(env) == 0, 3600, "all messages annotated and routed", interval=1
            )
        # One reading per part (the web server's tree, the worker's, the scheduler's, PostgreSQL's backends);
        # the parts share no process, so the total is their sum.
        parts = {"web": tree_cpu_seconds(roots[:1])}
        if args.mode == "scaleout":
            parts["worker"] = tree_cpu_seconds(roots[1:2])
            parts["scheduler"] = tree_cpu_seconds(roots[2:])
            parts["postgres"] = tree_cpu_seconds([], postgres_backends(args.database_url))
        spent = {name: cpu_spent(cpu_start, after) for name, after in parts.items()}
        cpu_seconds = sum(spent.values())
        cpu_parts = {name: round(seconds, 1) for name, seconds in spent.items()}
        load_end = load_average()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()

    os.environ.update(
        {k: v for k, v in env.items() if k in ("RESONANZ_DATA_DIR", "DATABASE_URL", "BROKER_URL")}
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    from django.db.models import Max

    from resonanz.channels.models import InboundEvent
    from resonanz.conversations.models import Message, TimelineEntry
    from resonanz.understanding.models import Annotation

    processed = dict(InboundEvent.objects.values_list("external_id", "processed_at"))
    ready_ms: list[float] = []
    last_ready = started
    if not args.ingest_only:
        annotated = dict(
            Annotation.objects.values_list("message_id")
            .annotate(at=Max("created_at"))
            .values_list("message_id", "at")
        )
        assigned = dict(
            TimelineEntry.objects.filter(kind="assigned")
            .values_list("conversation_id")
            .annotate(at=Max("created_at"))
            .values_list("conversation_id", "at")
        )
        for external_id, message_id, conversation_id in Message.objects.filter(
            direction="in", external_id__in=list(sent_at)
        ).values_list("external_id", "id", "conversation_id"):
            done = [t for t in (annotated.get(message_id), assigned.get(conversation_id)) if t is not None]
            if done:
                ready_at = max(done).timestamp()
                ready_ms.append((ready_at - sent_at[external_id]) * 1000)
                last_ready = max(last_ready, ready_at)
        ready_ms.sort()
    statuses = dict(InboundEvent.objects.values_list("external_id", "status"))
    messages = Message.objects.count()
    latencies = sorted((processed[k].timestamp() - sent_at[k]) * 1000 for k in sent_at)
    last_done: dt.datetime = max(processed.values())
    elapsed = last_done.timestamp() - started
    result = {
        "mode": args.mode,
        "events": args.events,
        "events_per_s": round(args.events / elapsed, 1),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "ready_ms_p50": round(statistics.median(ready_ms), 1) if ready_ms else None,
        "ready_ms_p99": round(ready_ms[max(0, int(len(ready_ms) * 0.99) - 1)], 1) if ready_ms else None,
        "ready_messages": len(ready_ms),
        # The whole pipeline's rate: events from the first POST until the last message was annotated and routed.
        "ready_events_per_s": round(len(ready_ms) / (last_ready - started), 1) if ready_ms else None,
        "batch": args.batch,
        "offered_rate": args.rate or None,
        "pipeline": "ingest only" if args.ingest_only else "full (annotating and routing on)",
        "concurrency": args.concurrency,
        "http_ms_p50": round(statistics.median(http_ms), 1),
        "send_seconds": round(send_seconds, 2),
        "total_seconds": round(elapsed, 2),
        "messages_stored": messages,
        "events_not_processed": sum(1 for s in statuses.values() if s != "processed"),
        "cpu_s": round(cpu_seconds, 1),
        "cpu_s_per_1000_events": round(cpu_seconds / args.events * 1000, 3),
        "cpu_s_by_part": cpu_parts,
        "load_avg_start": load_start,
        "load_avg_end": load_end,
    }
    print(json.dumps(result))
    if not args.keep:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
