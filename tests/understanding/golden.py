"""Reference outputs of the understanding engine: the annotators' labels, scores and data for a fixed sample
(the sentiment seeds and a generated set covering every input field), recorded from the engine before the
annotator registry and its shared batch context (`golden.json`). `test_fast_path_equals_reference` checks
that the engine still produces exactly these. Regenerate only for an intended change of outputs:
`DJANGO_SETTINGS_MODULE=resonanz.settings RESONANZ_DATA_DIR=/tmp/rz .venv/bin/python -m tests.understanding.golden --write`.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

from resonanz.understanding.engine import MessageInput, Understanding, WorkspaceConfig
from resonanz.understanding.topics import DEFAULT_TAXONOMY, TopicSpec

GOLDEN = Path(__file__).resolve().parent / "data" / "golden.json"
SEEDS = Path(__file__).resolve().parents[2] / "resonanz" / "understanding" / "seeds" / "sentiment.jsonl"


def config() -> WorkspaceConfig:
    return WorkspaceConfig(
        languages=("de", "en"),
        topics=tuple(
            TopicSpec(
                slug=spec["slug"],
                name=spec["name"],
                description=spec["description"],
                example_phrases=list(spec["example_phrases"]),
                is_private=bool(spec.get("is_private", False)),
                skill_hint=spec.get("skill_hint", ""),
            )
            for spec in DEFAULT_TAXONOMY
        ),
        private_terms=("Hörgerät",),
    )


_SUBJECTS = ["Internet", "Router", "Rechnung", "Vertrag", "Paket", "WLAN", "invoice", "delivery", "Hörgerät"]
_MOODS = [
    "geht nicht",
    "ist super, danke 👍",
    "kommt nicht an 😡",
    "is broken again",
    "works great, thank you",
    "ist zu hoch, ich kündige",
    "&amp; <b>seit Tagen</b> gestört",
]
_PLACES = ["in Köln", "04109 Leipzig", "in Essen", "in Bayern", "", "PLZ 80331"]
_ODD = [
    "",
    "   ",
    "👍👍",
    "😡",
    "12345 !!!",
    "Привет, у меня нет интернета",
    "Bonjour, je n'ai pas reçu ma facture depuis trois semaines",
    "https://example.com/x @bahn #fail",
    "Meine IBAN ist DE89370400440532013000, bitte abbuchen",
    "Mein Vater ist verstorben, ich möchte den Vertrag kündigen",
    "Ich verklage euch, Anwalt ist eingeschaltet!",
    "Gasgeruch im Keller, bitte sofort kommen",
    "Danke",
    "<p>Hallo,</p><p>die Lieferung ist nicht angekommen.</p>",
    "Mein Techniker-Termin wurde schon wieder verschoben, immer noch kein Netz in Leipzig",
    "Ich kann meine Raten nicht zahlen, Mahnung erhalten",
]


def sample() -> list[MessageInput]:
    texts = [json.loads(line)["text"] for line in SEEDS.read_text(encoding="utf-8").splitlines() if line]
    texts += [f"Mein {s} {m} {p}".strip() for s, m, p in itertools.product(_SUBJECTS, _MOODS, _PLACES)]
    texts += _ODD
    out = []
    for i, text in enumerate(texts):
        out.append(
            MessageInput(
                id=i + 1,
                text=text,
                source=("x", "facebook", "email", "web", "other")[i % 5],
                is_public=i % 3 == 0,
                is_inbound=i % 11 != 5,
                is_vip=i % 13 == 0,
                postal_code="50667" if i % 17 == 0 else "",
                city="Köln" if i % 17 == 0 else "",
                recent_inbound=i % 5,
                url=f"https://x.com/user{i}/status/{i}" if i % 3 == 0 else "",
            )
        )
    return out


def outputs(engine: Understanding, messages: list[MessageInput]) -> dict[str, dict[str, Any]]:
    """{message id: {annotator: [version, label, score, data]}} (the vector itself as its presence)."""
    results = engine.annotate(messages)
    out: dict[str, dict[str, Any]] = {}
    for message_id, items in results.items():
        row = {}
        for r in items:
            data = dict(r.data)
            if "vector" in data:
                data["vector"] = bool(data["vector"])
            row[r.annotator] = [r.version, r.label, r.score, data]
        out[str(message_id)] = row
    return out


if __name__ == "__main__":
    import django

    django.setup()
    current = outputs(Understanding(config()), sample())
    if "--write" in sys.argv:
        lines = [
            f"{json.dumps(k)}: {json.dumps(current[k], ensure_ascii=False, sort_keys=True)}"
            for k in sorted(current, key=int)
        ]
        GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")  # a message a line
        print(f"wrote {len(current)} messages to {GOLDEN}")
    else:
        print(json.dumps(current, ensure_ascii=False)[:2000])
