"""CPU per agent page, in one process: the inbox, a conversation, the search and a customer page of a data
directory seeded by bench/web.py (--reuse DIR), requested through Django's test client as the bench agent.

    python bench/web_cpu.py --reuse var/bench-100k [--requests 30] [--profile inbox|conversation|search|customer]

bench/web.py times the pages on the wall clock against the real server, which on a shared machine mostly
measures the other processes; this measures what a page costs: `time.process_time` around each request
(Python and, on SQLite, the SQL: SQLite runs in this process) and the time spent in the database calls.
The same URLs as bench/web.py (same random seed), after two warm-up requests of each kind.

Prints ONE JSON object: per page kind the median and mean CPU ms, the median SQL ms and the queries per
request; on PostgreSQL also `db_cpu_ms_mean`, the CPU its backend spent per request (from /proc: the
database's share, which `time.process_time` cannot see). --queries prints each statement's mean ms per
request to stderr, slowest first. --profile KIND prints the cProfile functions of that kind's requests to stderr (top 40 by own time,
then by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The same searches as bench/web.py (run as a script, this folder is on sys.path).
from web import SEARCHES

INBOX_URLS = ["/", "/?view=mine", "/?view=unassigned", "/?view=due", "/?status=all", "/?page=2"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reuse", metavar="DIR", required=True, help="a data directory seeded by bench/web.py"
    )
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page kind")
    parser.add_argument("--profile", choices=["inbox", "conversation", "search", "customer"], default="")
    parser.add_argument("--only", choices=["inbox", "conversation", "search", "customer"], default="")
    parser.add_argument(
        "--queries",
        action="store_true",
        help="print each query's mean ms per request to stderr, slowest first",
    )
    args = parser.parse_args()

    marker = Path(args.reuse) / "bench-seed.json"
    seeded = json.loads(marker.read_text())
    os.environ.update(seeded["keys"])
    os.environ.update(
        RESONANZ_DATA_DIR=str(Path(args.reuse).resolve()),
        RESONANZ_LOG_LEVEL="WARNING",
        RESONANZ_AFTER_INGEST_STEPS="",
        OMP_NUM_THREADS="1",
    )
    if seeded["seeded"]["database"] == "postgres":
        os.environ["DATABASE_URL"] = seeded["seeded"]["database_url"]
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from resonanz.conversations.models import Conversation
    from resonanz.customers.models import Customer

    conversation_ids = list(Conversation.objects.filter(workspace__slug="bench").values_list("id", flat=True))
    customer_ids = list(
        Customer.objects.filter(workspace__slug="bench", merged_into__isnull=True).values_list(
            "id", flat=True
        )
    )
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench.agent"))
    rng = random.Random(5)
    urls: dict[str, Callable[[], str]] = {
        "inbox": lambda: rng.choice(INBOX_URLS),
        "conversation": lambda: f"/conversations/{rng.choice(conversation_ids)}/",
        "search": lambda: f"/?status=all&q={rng.choice(SEARCHES)}",
        "customer": lambda: f"/customers/{rng.choice(customer_ids)}/",
    }
    sql_seconds = [0.0]
    queries = [0]
    per_query: dict[str, list[float]] = {}

    def timed_sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            sql_seconds[0] += elapsed
            queries[0] += 1
            per_query.setdefault(sql, []).append(elapsed)

    def backend_cpu_s() -> float:
        """CPU seconds of this connection's PostgreSQL backend so far (0 on SQLite: it runs in-process)."""
        if connection.vendor != "postgresql":
            return 0.0
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    result: dict[str, Any] = {}
    kinds = [args.only] if args.only else list(urls)
    with connection.execute_wrapper(timed_sql):
        for kind in kinds:
            for _ in range(2):
                assert client.get(urls[kind]()).status_code == 200
            cpu: list[float] = []
            sql: list[float] = []
            counts: list[int] = []
            db_cpu: list[float] = []
            profiler = cProfile.Profile() if kind == args.profile else None
            per_query.clear()
            for _ in range(args.requests):
                url = urls[kind]()
                sql_seconds[0], queries[0] = 0.0, 0
                backend_started = backend_cpu_s()
                started = time.process_time()
                if profiler:
                    profiler.enable()
                response = client.get(url)
                if profiler:
                    profiler.disable()
                cpu.append((time.process_time() - started) * 1000)
                db_cpu.append((backend_cpu_s() - backend_started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                sql.append(sql_seconds[0] * 1000)
                counts.append(queries[0])
            result[kind] = {
                "cpu_ms_p50": round(statistics.median(cpu), 1),
                "cpu_ms_mean": round(statistics.mean(cpu), 1),
                "sql_ms_p50": round(statistics.median(sql), 1),
                "queries": max(counts),
            }
            if connection.vendor == "postgresql":  # clock ticks of 10 ms: the mean, not the median
                result[kind]["db_cpu_ms_mean"] = round(statistics.mean(db_cpu), 1)
            if args.queries:
                for statement, seconds in sorted(per_query.items(), key=lambda item: -sum(item[1])):
                    mean_ms = sum(seconds) * 1000 / args.requests
                    print(
                        f"{kind} {mean_ms:7.2f} ms/request x{len(seconds)}: {statement[:300]}",
                        file=sys.stderr,
                    )
            if profiler:
                for order in ("tottime", "cumulative"):
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
                    print(out.getvalue(), file=sys.stderr)
    result["load"] = Path("/proc/loadavg").read_text().split()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
