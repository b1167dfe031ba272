"""`resonanz eval-incidents`: replay a real message stream through the detector in accelerated time, with
synthetic outage bursts injected, and measure detection delay, membership and false incidents.

A burst spec is `{"bursts": [{"id", "start", "duration_min", "customers", "region", "texts"}]}`. Each of a
burst's customers writes once, at a random time within the duration, one of the texts varied the way people
vary a complaint: case, punctuation, a typo, an added place (the burst's region, when it has one) or an
@mention. The variation is seeded, so a run is reproducible.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resonanz.incidents.detector import (
    DetectorConfig,
    DetectorState,
    Embed,
    Ended,
    Grew,
    Observation,
    Opened,
    observe,
    sweep,
)

WEEK_SECONDS = 7 * 24 * 3600
MAX_BURST_CUSTOMERS = 100_000


@dataclass(frozen=True)
class Burst:
    id: str
    start: float
    duration_min: float
    customers: int
    region: str | None
    texts: tuple[str, ...]


@dataclass
class StreamMessage:
    message_id: int
    at: float
    text: str
    customer: str
    region: str = ""
    burst: str = ""


@dataclass
class DetectedIncident:
    key: int
    opened_at: float
    members: list[int] = field(default_factory=list)


def parse_time(value: str) -> float:
    return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()


def read_bursts(path: str | Path) -> list[Burst]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("bursts"), list):
        raise ValueError('the inject file must be a JSON object {"bursts": [...]}')
    bursts = []
    for i, raw in enumerate(data["bursts"]):
        if not isinstance(raw, dict):
            raise ValueError(f"burst {i}: not an object")
        texts = raw.get("texts")
        if (
            not isinstance(texts, list)
            or not texts
            or not all(isinstance(t, str) and t.strip() for t in texts)
        ):
            raise ValueError(f"burst {i}: texts must be a non-empty list of texts")
        customers = int(raw.get("customers", 0))
        duration = float(raw.get("duration_min", 0))
        if not 1 <= customers <= MAX_BURST_CUSTOMERS or duration <= 0:
            raise ValueError(f"burst {i}: customers must be 1…{MAX_BURST_CUSTOMERS}, duration_min > 0")
        region = raw.get("region")
        bursts.append(
            Burst(
                id=str(raw.get("id") or f"burst-{i + 1}"),
                start=parse_time(str(raw["start"])),
                duration_min=duration,
                customers=customers,
                region=str(region) if region else None,
                texts=tuple(texts),
            )
        )
    return bursts


def read_stream(path: str | Path) -> list[StreamMessage]:
    """A CSV with `created_at_iso` and `text`; `author_id` (or `customer`) names the customer where present,
    otherwise every line is a customer of its own; an optional `region` column is the region annotation."""
    out = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or [])
        if not {"created_at_iso", "text"} <= columns:
            raise ValueError("the stream CSV needs the columns created_at_iso and text")
        author = "author_id" if "author_id" in columns else "customer" if "customer" in columns else ""
        for n, row in enumerate(reader):
            try:
                at = parse_time(row["created_at_iso"])
            except ValueError:
                continue
            out.append(
                StreamMessage(
                    message_id=n + 1,
                    at=at,
                    text=row.get("text") or "",
                    customer=f"s:{row[author]}" if author and row.get(author) else f"line:{n + 1}",
                    region=(row.get("region") or "").strip(),
                )
            )
    return out


_MENTIONS = ("@netzwelt_hilft", "@SpotifyCares", "@support", "@115712", "@kundenservice")


def vary(text: str, region: str | None, rng: random.Random) -> str:
    """One customer's way of writing `text`."""
    out = text
    roll = rng.random()
    if roll < 0.25:
        out = out.lower()
    elif roll < 0.35:
        out = out.upper()
    if rng.random() < 0.4:
        out = out.rstrip(".!?") + rng.choice(["", "!", "!!", "?", "??", " …", ".", " :("])
    if rng.random() < 0.3:
        words = list(re.finditer(r"\w{4,}", out))
        if words:
            word = rng.choice(words)
            i = rng.randrange(word.start(), word.end() - 1)
            out = (
                out[:i] + out[i + 1] + out[i] + out[i + 2 :] if rng.random() < 0.5 else out[:i] + out[i + 1 :]
            )
    if region and rng.random() < 0.5:
        out = rng.choice([f"{out} ({region})", f"{out} in {region}", f"{region}: {out}", f"{out} #{region}"])
    if rng.random() < 0.3:
        mention = rng.choice(_MENTIONS)
        out = f"{mention} {out}" if rng.random() < 0.7 else f"{out} {mention}"
    return out


def inject(
    stream: list[StreamMessage], bursts: Sequence[Burst], seed: int, region_known: float = 0.0
) -> list[StreamMessage]:
    """The stream with the bursts' messages. `region_known`: the share of a regional burst's customers whose
    region the product knows without the text (their postal code: the region annotation); 0 means only
    what the text says, as in a stream of tweets. Drawn from a random source of its own, so the bursts'
    times and texts do not change with it."""
    rng = random.Random(seed)
    known = random.Random(seed + 1)
    next_id = max((m.message_id for m in stream), default=0) + 1
    extra: list[StreamMessage] = []
    for burst in bursts:
        for i in range(burst.customers):
            at = burst.start + rng.random() * burst.duration_min * 60
            extra.append(
                StreamMessage(
                    message_id=next_id,
                    at=at,
                    text=vary(rng.choice(burst.texts), burst.region, rng),
                    customer=f"b:{burst.id}:{i}",
                    region=burst.region if burst.region and known.random() < region_known else "",
                    burst=burst.id,
                )
            )
            next_id += 1
    return sorted([*stream, *extra], key=lambda m: (m.at, m.message_id))


def region_fields(text: str, annotated: str) -> tuple[str, str]:
    """(city, federal state) from the annotation column or the text, as the understanding step finds them."""
    from resonanz.understanding.region import STATES, places, region_of

    if annotated:
        place = places().get(annotated)
        if place is not None:
            return place[2], place[0]
        if annotated in STATES.values():
            return "", annotated
        found = region_of(annotated)
        return (found.city, found.state) if found else ("", "")
    found = region_of(text)
    return (found.city, found.state) if found else ("", "")


def replay(
    messages: Iterable[StreamMessage],
    config: DetectorConfig,
    vectors: dict[int, np.ndarray] | None = None,
    embed: Embed | None = None,
) -> tuple[dict[int, DetectedIncident], DetectorState]:
    state = DetectorState()
    incidents: dict[int, DetectedIncident] = {}
    last = 0.0
    for message in messages:
        city, region_state = region_fields(message.text, message.region)
        observation = Observation(
            message_id=message.message_id,
            at=message.at,
            text=message.text,
            customer=message.customer,
            city=city,
            state=region_state,
            vector=vectors.get(message.message_id) if vectors is not None else None,
        )
        for event in observe(state, observation, config, embed):
            _apply(incidents, event)
        last = message.at
    for event in sweep(state, last + 365 * 86400, config):
        _apply(incidents, event)
    return incidents, state


def _apply(incidents: dict[int, DetectedIncident], event: Opened | Grew | Ended) -> None:
    if isinstance(event, Opened):
        incidents[event.key] = DetectedIncident(event.key, event.at, list(event.message_ids))
    elif isinstance(event, Grew):
        incidents[event.key].members.extend(event.message_ids)


def score(
    messages: Sequence[StreamMessage], bursts: Sequence[Burst], incidents: dict[int, DetectedIncident]
) -> dict[str, Any]:
    by_id = {m.message_id: m for m in messages}
    burst_members: dict[str, set[int]] = {b.id: set() for b in bursts}
    for message in messages:
        if message.burst:
            burst_members[message.burst].add(message.message_id)
    # An incident belongs to the burst that most of its members came from.
    owner: dict[int, str | None] = {}
    for key, incident in incidents.items():
        counts = Counter(by_id[i].burst for i in incident.members if i in by_id)
        label, count = counts.most_common(1)[0] if counts else ("", 0)
        owner[key] = label if label and count * 2 >= len(incident.members) else None
    results = []
    for burst in bursts:
        members = burst_members[burst.id]
        first = min((by_id[i].at for i in members), default=burst.start)
        mine = [incidents[k] for k, b in owner.items() if b == burst.id]
        if not mine:
            results.append(
                {
                    "id": burst.id,
                    "detected": False,
                    "delay_minutes": None,
                    "reports_before_detection": None,
                    "precision": 0.0,
                    "recall": 0.0,
                }
            )
            continue
        detected_at = min(incident.opened_at for incident in mine)
        main = max(mine, key=lambda incident: len(members & set(incident.members)))
        found = set(main.members)
        hits = len(found & members)
        results.append(
            {
                "id": burst.id,
                "detected": True,
                "delay_minutes": round((detected_at - first) / 60, 2),
                "reports_before_detection": sum(1 for i in members if by_id[i].at <= detected_at),
                "precision": round(hits / len(found), 4) if found else 0.0,
                "recall": round(hits / len(members), 4) if members else 0.0,
            }
        )
    false = [incidents[k] for k, b in owner.items() if b is None]
    # Weeks of background: the hours that have background traffic (a stray old message does not stretch it).
    hours = {int(m.at // 3600) for m in messages if not m.burst}
    weeks = len(hours) / 168
    return {
        "bursts": results,
        "false_incidents_per_week": round(len(false) / weeks, 3) if weeks else float(len(false)),
        "false_incidents": [
            {
                "first_seen": dt.datetime.fromtimestamp(incident.opened_at, dt.UTC)
                .isoformat()
                .replace("+00:00", "Z"),
                "size": len(incident.members),
                "top_texts": [
                    text
                    for text, _ in Counter(
                        " ".join(by_id[i].text.split())[:200] for i in incident.members if i in by_id
                    ).most_common(5)
                ],
            }
            for incident in sorted(false, key=lambda incident: incident.opened_at)
        ],
    }


def evaluate(
    stream_path: str | Path,
    inject_path: str | Path | None,
    config: DetectorConfig,
    *,
    seed: int = 42,
    embed: Embed | None = None,
    embed_every_message: bool = False,
    timings: dict[str, float] | None = None,
    region_known: float = 0.0,
) -> dict[str, Any]:
    """The report of the issue's contract (exactly its keys); `timings` is filled with how long it took."""
    timings = {} if timings is None else timings
    stream = read_stream(stream_path)
    bursts = read_bursts(inject_path) if inject_path else []
    messages = inject(stream, bursts, seed, region_known)
    vectors = None
    started = time.perf_counter()
    if embed is not None and embed_every_message:
        matrix = embed([m.text for m in messages])
        vectors = {m.message_id: matrix[i] for i, m in enumerate(messages)}
    embedded = time.perf_counter()
    incidents, _ = replay(messages, config, vectors, embed)
    finished = time.perf_counter()
    result = score(messages, bursts, incidents)
    timings.update(
        messages=len(messages),
        embedding_s=round(embedded - started, 2),
        detector_s=round(finished - embedded, 2),
    )
    return result
