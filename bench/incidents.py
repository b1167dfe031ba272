"""Benchmark of the incident detector (the pure functions the product and `eval-incidents` share). Prints one
JSON object:

    messages_per_s     messages through `observe` per second of this process's CPU time (wall time with
                       `wall_messages_per_s`; load_average says how busy the shared machine was)
    memory_mb          peak resident memory of this process
    clusters           active clusters at the end (bounded by `max_clusters`, not by the history)
    state_kb           size of the persisted state (`dumps`) at the end
    dumps_ms           time to write the state once (the product does it once per batch)

The stream: `--messages` texts built from the words of real customer tweets (../shared/data/twcs when
present, else a fixed word list), each from its own customer, `--rate` messages per second of stream time,
with one outage burst of 200 customers in the middle that must be detected.

Usage: .venv/bin/python bench/incidents.py [--messages 100000] [--rate 1000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resonanz.incidents import detector
from resonanz.incidents.features import tokens

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.exists():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def vocabulary() -> list[str]:
    path = DATA / "twcs" / "spotifycares_inbound_stream.csv"
    if path.exists():
        words: set[str] = set()
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                words.update(tokens(row["text"]))
        return sorted(words)
    return sorted(
        {
            "internet router rechnung vertrag tarif handy mobilfunk glasfaser dsl techniker termin kuendigung"
            " playlist song album premium family account password shuffle offline podcast radio lyrics queue"
            " library follow share speaker desktop player volume student discount gift card trial cancel"
        }.pop().split()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second of stream time")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    words = vocabulary()
    texts = [" ".join(rng.choices(words, k=rng.randint(4, 14))) for _ in range(args.messages)]
    burst_at = args.messages // 2
    for i in range(burst_at, burst_at + 2000, 10):  # 200 customers among 2,000 messages: 2 seconds
        texts[i] = rng.choice(["Kein Internet in Köln seit einer Stunde", "Internet in Köln komplett weg"])
    config = detector.DetectorConfig()
    state = detector.DetectorState()
    start_at = 1_508_000_000.0
    opened = 0
    cpu = time.process_time()
    wall = time.perf_counter()
    for i, text in enumerate(texts):
        observation = detector.Observation(i + 1, start_at + i / args.rate, text, f"c{i}")
        for event in detector.observe(state, observation, config):
            if isinstance(event, detector.Opened):
                opened += 1
                print(f"opened at {i}: {event.title} ({event.customers})", file=sys.stderr)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    started = time.perf_counter()
    blob = detector.dumps(state)
    dumps_ms = (time.perf_counter() - started) * 1000
    print(
        json.dumps(
            {
                "messages": args.messages,
                "messages_per_s": round(args.messages / cpu),
                "wall_messages_per_s": round(args.messages / wall),
                "memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "clusters": len(state.clusters),
                "incidents_opened": opened,
                "state_kb": round(len(blob) / 1024, 1),
                "dumps_ms": round(dumps_ms, 1),
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
