"""Benchmark of the incident detector (the pure functions the product and `eval-incidents` share). Prints one
JSON object:

    messages_per_s     messages through `observe` per second of this process's CPU time (wall time with
                       `wall_messages_per_s`; load_average says how busy the shared machine was)
    memory_mb          peak resident memory of this process after the detector run (before the fan-out)
    clusters           active clusters at the end (bounded by `max_clusters`, not by the history)
    state_kb           size of the persisted state (`dumps`) at the end
    dumps_ms           time to write the state once (the product does it once per batch)
    fanout_10000_queue_s  CPU seconds to queue one incident update to `--fanout` (10,000) affected customers:
                       messages, deliveries and notices written, one send task per delivery handed to the
                       queue (collected, not run), on a fresh SQLite database (`resonanz init` in a temporary
                       data folder); wall time with `fanout_10000_queue_wall_s`. `--fanout 0` skips it.

The stream: `--messages` texts built from the words of real customer tweets (../shared/data/twcs when
present, else a fixed word list), each from its own customer, `--rate` messages per second of stream time,
with one outage burst of 200 customers in the middle that must be detected.

Usage: .venv/bin/python bench/incidents.py [--messages 100000] [--rate 1000] [--fanout 10000]
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def fanout(customers: int) -> dict[str, float]:
    """Queue one update to `customers` affected customers (the product's `do_fan_out`) on a fresh database."""
    data_dir = tempfile.mkdtemp(prefix="resonanz-bench-incidents-")
    env = dict(os.environ, RESONANZ_DATA_DIR=data_dir, RESONANZ_LOG_LEVEL="WARNING")
    env.setdefault("RESONANZ_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("RESONANZ_ENCRYPTION_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    env["RESONANZ_AFTER_INGEST_STEPS"] = ""
    env.pop("DATABASE_URL", None)
    env.pop("BROKER_URL", None)
    try:
        subprocess.run(
            [str(Path(sys.executable).parent / "resonanz"), "init", "--workspace", "Bench"],
            env=env,
            check=True,
            capture_output=True,
        )
        os.environ.update({k: v for k, v in env.items() if k.startswith("RESONANZ_")})
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
        import django

        django.setup()
        from django.utils import timezone

        from resonanz.channels.models import OutboundDelivery
        from resonanz.conversations.models import Conversation
        from resonanz.customers.models import Customer
        from resonanz.incidents import actions
        from resonanz.incidents.models import Incident, IncidentMember, IncidentNotice
        from resonanz.testing.factories import AgentFactory, ChannelAccountFactory
        from resonanz.workspaces.models import Workspace

        workspace = Workspace.objects.order_by("pk").first()
        account: Any = ChannelAccountFactory(workspace=workspace)
        agent: Any = AgentFactory(workspace=workspace, user__username="bench-incidents")
        incident = Incident.objects.create(workspace=workspace, title="Großstörung", status="investigating")
        now = timezone.now()
        rows = Customer.objects.bulk_create(
            Customer(workspace=workspace, display_name=f"Kunde {i}") for i in range(customers)
        )
        conversations = Conversation.objects.bulk_create(
            Conversation(
                workspace=workspace, customer=c, channel_account=account, is_public=True, created_at=now,
                last_message_at=now,
            )
            for c in rows
        )  # fmt: skip
        IncidentMember.objects.bulk_create(
            IncidentMember(incident=incident, conversation=c, customer_id=c.customer_id, reported_at=now)
            for c in conversations
        )
        queued: list[Any] = []
        actions.enqueue = lambda name, *args: queued.append((name, args))  # type: ignore[assignment]
        update = actions.do_post_incident_update(agent, incident, "identified", "Ein Bagger traf ein Kabel.")
        cpu, wall = time.process_time(), time.perf_counter()
        notices = actions.do_fan_out(update.pk)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sends = sum(1 for name, _ in queued if name == "channels.send_delivery")
        if not (
            notices == customers
            and sends == customers
            and IncidentNotice.objects.filter(update=update).count() == customers
            and OutboundDelivery.objects.filter(status="pending").count() == customers
        ):
            raise SystemExit(f"fan-out queued {notices} notices and {sends} sends, expected {customers}")
        return {
            f"fanout_{customers}_queue_s": round(cpu, 2),
            f"fanout_{customers}_queue_wall_s": round(wall, 2),
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second of stream time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fanout", type=int, default=10_000, help="affected customers of one update (0: skip)"
    )
    args = parser.parse_args()
    if args.messages < 4000:
        parser.error("--messages must be at least 4000 (the injected burst spans 2,000 messages mid-stream)")
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
    memory_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # the detector's, before
    fanned = fanout(args.fanout) if args.fanout else {}
    print(
        json.dumps(
            {
                **fanned,
                "messages": args.messages,
                "messages_per_s": round(args.messages / cpu),
                "wall_messages_per_s": round(args.messages / wall),
                "memory_mb": memory_mb,
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
