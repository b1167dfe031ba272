"""Agent workspace benchmark: the inbox, a conversation, the search and a customer page, timed as a logged-in
agent against the real server (`resonanz run`) on loopback, with 4 concurrent clients.

    python bench/web.py [--conversations 100000] [--messages 1000000] [--database sqlite|postgres]
                        [--requests 200] [--clients 4] [--reuse DIR]

--reuse DIR keeps the seeded data directory (and, on PostgreSQL, the database) in DIR: the first run seeds
and records what it seeded in DIR/bench-seed.json, later runs with the same sizes only migrate (new
migrations apply to the seeded rows) and time the pages. Seeding 100,000 conversations and 1,000,000
messages takes minutes, timing them far less.

Seeding: the product's models in bulk (`bulk_create` of customers, identities, conversations, messages and
one sentiment and topic annotation per conversation — the rows the ingest path writes, without running the
ingest for a million messages, which bench/ingest.py measures on its own). SQLite keeps its full-text index
current by triggers (resonanz/web/migrations/0001_message_search.py), so the seeded messages are searchable
exactly like ingested ones; on PostgreSQL the GIN index is built by the migration and maintained on insert.

Prints ONE JSON object: inbox_ms_p95, conversation_ms_p95, search_ms_p95, customer_ms_p95, conversations,
messages, database. The p50s, the seeding time, the request counts, the clients and the machine's load
average before and after the timed requests (/proc/loadavg: the machine is shared) go to stderr.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

RESONANZ = str(Path(sys.executable).parent / "resonanz")
PASSWORD = "bench-password-123"
TEXTS = [
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
SEARCHES = [
    "Router blinkt",
    "Rechnung",
    "Techniker",
    "WLAN Update",
    "Vertrag",
    "Mobilfunk",
    "Receiver",
    "outage",
]
BATCH = 5_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


def seed(conversations: int, messages: int) -> tuple[list[int], list[int]]:
    """Bulk rows through the product's models; returns (conversation ids, customer ids)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from resonanz.channels.actions import do_create_channel_account
    from resonanz.conversations.models import Conversation, Message
    from resonanz.customers.models import Customer, Identity
    from resonanz.understanding.models import Annotation
    from resonanz.workspaces.models import Agent, Workspace

    rng = random.Random(13)
    workspace = Workspace.objects.get(slug="bench")
    user = get_user_model().objects.create_user("bench.agent", password=PASSWORD)
    agent = Agent.objects.create(user=user, workspace=workspace, display_name="Bench Agent", initials="BA")
    colleagues = [agent.pk] + [
        Agent.objects.create(
            user=get_user_model().objects.create_user(f"kollege{i}", password=PASSWORD),
            workspace=workspace,
            display_name=f"Kollege {i}",
            initials=f"K{i}",
        ).pk
        for i in range(5)
    ]
    accounts = [
        do_create_channel_account(workspace, kind="fake", name=name, secret="s", config={"imitates": kind})
        for name, kind in (("Bench X", "x"), ("Bench Facebook", "facebook"), ("Bench Mail", "email"))
    ]
    now = timezone.now()
    customer_count = max(conversations // 3, 1)
    with transaction.atomic():
        for start in range(0, customer_count, BATCH):
            Customer.objects.bulk_create(
                Customer(workspace=workspace, display_name=f"Kundin {i}", city=rng.choice(CITIES))
                for i in range(start, min(start + BATCH, customer_count))
            )
    customer_ids = list(
        Customer.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(customer_ids), BATCH):
            Identity.objects.bulk_create(
                Identity(workspace=workspace, customer_id=cid, kind="x", handle=f"kunde_{cid}")
                for cid in customer_ids[start : start + BATCH]
            )
    identity_of = dict(Identity.objects.filter(workspace=workspace).values_list("customer_id", "id"))
    statuses = ["new", "open", "open", "pending", "solved", "closed"]
    per_conversation = max(messages // max(conversations, 1), 1)
    for start in range(0, conversations, BATCH):
        with transaction.atomic():
            made = Conversation.objects.bulk_create(
                Conversation(
                    workspace=workspace,
                    customer_id=rng.choice(customer_ids),
                    channel_account=rng.choice(accounts),
                    subject=f"Anliegen {i}",
                    status=rng.choice(statuses),
                    is_public=rng.random() < 0.5,
                    owner_id=rng.choice(colleagues) if rng.random() < 0.7 else None,
                    priority=rng.choice([0, 1, 1, 1, 2, 3]),
                    created_at=now - dt.timedelta(minutes=conversations - i),
                    last_message_at=now - dt.timedelta(minutes=conversations - i),
                    message_count=per_conversation,
                    first_response_due_at=now + dt.timedelta(minutes=rng.randrange(-600, 600)),
                )
                for i in range(start, min(start + BATCH, conversations))
            )
            rows: list[Message] = []
            for conversation in made:
                for j in range(per_conversation):
                    inbound = j % 2 == 0
                    rows.append(
                        Message(
                            workspace=workspace,
                            conversation=conversation,
                            channel_account_id=conversation.channel_account_id,
                            direction="in" if inbound else "out",
                            visibility="public" if conversation.is_public else "private",
                            author_identity_id=identity_of.get(conversation.customer_id) if inbound else None,
                            author_agent_id=None if inbound else conversation.owner_id,
                            external_id=f"b-{conversation.pk}-{j}",
                            text=rng.choice(TEXTS).format(city=rng.choice(CITIES)),
                            created_at=conversation.last_message_at
                            - dt.timedelta(minutes=per_conversation - j),
                            received_at=conversation.last_message_at,
                        )
                    )
            stored = Message.objects.bulk_create(rows, batch_size=BATCH)
            firsts = stored[::per_conversation]
            Annotation.objects.bulk_create(
                [
                    Annotation(message=m, annotator=name, version="bench", label=label)
                    for m in firsts
                    for name, label in (
                        ("sentiment", rng.choice(["negative", "neutral", "positive"])),
                        ("topic", rng.choice(["outage", "billing", "contract"])),
                    )
                ],
                batch_size=BATCH,
            )
    ids = list(Conversation.objects.filter(workspace=workspace).values_list("id", flat=True))
    return ids, customer_ids


def seeded_ids() -> tuple[list[int], list[int]]:
    """The conversations and customers of a reused seed."""
    from resonanz.conversations.models import Conversation
    from resonanz.customers.models import Customer

    conversations = list(Conversation.objects.filter(workspace__slug="bench").values_list("id", flat=True))
    customers = list(
        Customer.objects.filter(workspace__slug="bench", merged_into__isnull=True).values_list(
            "id", flat=True
        )
    )
    return conversations, customers


def login(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/login/",
        data={"username": "bench.agent", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{base_url}/login/"},
    )
    assert answer.status_code == 302, f"login failed: {answer.status_code}"
    return client


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(int(len(ordered) * q), len(ordered) - 1)], 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/resonanz_bench_web")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page kind")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="print and keep the data directory")
    parser.add_argument(
        "--reuse",
        metavar="DIR",
        default="",
        help="data directory to seed once and reuse in later runs with the same sizes and database",
    )
    args = parser.parse_args()

    data_dir = args.reuse or tempfile.mkdtemp(prefix="resonanz-bench-web-")
    marker = Path(data_dir) / "bench-seed.json"
    wanted = {
        "conversations": args.conversations,
        "messages": args.messages,
        "database": args.database,
        "database_url": args.database_url if args.database == "postgres" else "",
    }
    previous = json.loads(marker.read_text()) if args.reuse and marker.exists() else None
    if previous is not None and previous["seeded"] != wanted:
        raise SystemExit(f"{data_dir} holds another seed ({previous['seeded']}); use another directory")
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, RESONANZ_DATA_DIR=data_dir, OMP_NUM_THREADS="1", RESONANZ_LOG_LEVEL="WARNING")
    keys = (previous or {}).get("keys") or {
        "RESONANZ_SECRET_KEY": env.get("RESONANZ_SECRET_KEY") or secrets.token_urlsafe(50),
        "RESONANZ_ENCRYPTION_KEYS": env.get("RESONANZ_ENCRYPTION_KEYS")
        or base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    env.update(keys)
    env["RESONANZ_AFTER_INGEST_STEPS"] = ""
    env.pop("DATABASE_URL", None)
    env.pop("BROKER_URL", None)
    if args.database == "postgres":
        env["DATABASE_URL"] = args.database_url
        if previous is None:
            import psycopg

            base, _, name = args.database_url.rpartition("/")
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
    if previous is None:
        run([RESONANZ, "init", "--workspace", "Bench"], env)
    else:
        run([RESONANZ, "migrate", "--no-input"], env)  # this branch's new migrations, on the seeded rows

    os.environ.update({k: v for k, v in env.items() if k.startswith("RESONANZ_") or k == "DATABASE_URL"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    seeded = time.monotonic()
    if previous is None:
        conversation_ids, customer_ids = seed(args.conversations, args.messages)
        if args.reuse:
            marker.write_text(json.dumps({"seeded": wanted, "keys": keys}))
    else:
        conversation_ids, customer_ids = seeded_ids()
    seed_s = round(time.monotonic() - seeded, 1)
    from django.db import connection

    from resonanz.conversations.models import Message

    message_count = Message.objects.count()
    with connection.cursor() as cursor:
        # Fresh planner statistics and, on PostgreSQL, the visibility map, as a database in use has them from
        # autovacuum (which this machine's PostgreSQL runs with off: without it, index-only scans visit
        # the table for every row and the planner prefers scans).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connection.close()

    port = free_port()
    log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([RESONANZ, "run", "--port", str(port)], env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    timings: dict[str, list[float]] = {"inbox": [], "conversation": [], "search": [], "customer": []}
    try:
        deadline = time.monotonic() + 600  # a big database on a loaded machine starts slowly
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        rng = random.Random(5)
        inbox_urls = ["/", "/?view=mine", "/?view=unassigned", "/?view=due", "/?status=all", "/?page=2"]
        plan: list[tuple[str, str]] = []
        for _ in range(args.requests):
            plan.append(("inbox", rng.choice(inbox_urls)))
            plan.append(("conversation", f"/conversations/{rng.choice(conversation_ids)}/"))
            plan.append(("search", f"/?status=all&q={rng.choice(SEARCHES)}"))
            plan.append(("customer", f"/customers/{rng.choice(customer_ids)}/"))
        rng.shuffle(plan)
        lock = threading.Lock()
        cursor_index = iter(range(len(plan)))
        failures: list[str] = []

        def worker() -> None:
            client = login(base_url)
            for url in ("/", f"/conversations/{conversation_ids[0]}/"):  # warm up this connection
                client.get(url)
            try:
                while True:
                    with lock:
                        index = next(cursor_index, None)
                    if index is None:
                        return
                    kind, url = plan[index]
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        if response.status_code != 200:
                            failures.append(f"{url}: {response.status_code}")
                        timings[kind].append(elapsed)
            finally:
                client.close()

        load_before = Path("/proc/loadavg").read_text().split()[:3]
        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_after = Path("/proc/loadavg").read_text().split()[:3]
        if failures:
            raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    result: dict[str, Any] = {
        "inbox_ms_p95": p(timings["inbox"], 0.95),
        "conversation_ms_p95": p(timings["conversation"], 0.95),
        "search_ms_p95": p(timings["search"], 0.95),
        "customer_ms_p95": p(timings["customer"], 0.95),
        "conversations": len(conversation_ids),
        "messages": message_count,
        "database": args.database,
    }
    details = {
        **{f"{kind}_ms_p50": round(statistics.median(values), 1) for kind, values in timings.items()},
        "requests_per_kind": args.requests,
        "clients": args.clients,
        "seed_s": seed_s,
        "reused": previous is not None,
        "loadavg_before": " ".join(load_before),
        "loadavg_after": " ".join(load_after),
        "data_dir": data_dir if args.keep or args.reuse else "",
    }
    print(json.dumps(details), file=sys.stderr)  # stdout carries the one result object only
    print(json.dumps(result))
    if not args.keep and not args.reuse:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
