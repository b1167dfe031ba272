"""CPU time of the annotators alone (no database, no new vectors) on the bench's posts, best of five passes:
400 posts one at a time and 2,000 in batches of 500. Prints one JSON object.

Pass the root of another checkout to measure that one with the same posts and the same taxonomy (compare
two commits in one session: the machine is shared, so absolute figures drift between runs):

    OMP_NUM_THREADS=1 .venv/bin/python bench/understanding_annotators.py [ROOT]
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("RESONANZ_DATA_DIR", tempfile.mkdtemp(prefix="rz-bench-annotators-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
if "RESONANZ_SHARED_DATA" not in os.environ:  # this checkout's ../shared/data, also for the other ROOT
    _spec = importlib.util.spec_from_file_location(
        "_shared_data", Path(__file__).resolve().parents[1] / "resonanz" / "core" / "shared_data.py"
    )
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _found = _module.shared_data_dir()
    if _found is not None:
        os.environ["RESONANZ_SHARED_DATA"] = str(_found)
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]


def main() -> None:
    import django

    django.setup()
    from understanding import corpus  # bench/understanding.py: the same posts

    from resonanz.understanding.engine import MessageInput, Understanding, WorkspaceConfig
    from resonanz.understanding.topics import DEFAULT_TAXONOMY, TopicSpec

    config = WorkspaceConfig(
        languages=("de", "en"),
        topics=tuple(
            TopicSpec(
                slug=s["slug"],
                name=s["name"],
                description=s["description"],
                example_phrases=list(s["example_phrases"]),
                is_private=bool(s.get("is_private", False)),
            )
            for s in DEFAULT_TAXONOMY
        ),
    )
    texts = corpus(2000)
    messages = [
        MessageInput(id=i + 1, text=t, source="x", is_public=True, url=f"https://x.com/u{i % 300}/status/{i}")
        for i, t in enumerate(texts)
    ]
    engine = Understanding(config)
    engine.annotate(messages[:64], embed=False)
    single, batch = [], []
    for _ in range(5):
        started = time.process_time()
        for message in messages[:400]:
            engine.annotate([message], embed=False)
        single.append((time.process_time() - started) / 400 * 1e6)
        started = time.process_time()
        for start in range(0, len(messages), 500):
            engine.annotate(messages[start : start + 500], embed=False)
        batch.append((time.process_time() - started) / len(messages) * 1e6)
    print(
        json.dumps(
            {
                "root": str(ROOT),
                "single_cpu_us": round(min(single), 1),
                "batch_cpu_us": round(min(batch), 1),
                "annotators_per_cpu_s": round(1e6 / min(batch), 1),
                "real_posts": bool(os.environ.get("RESONANZ_SHARED_DATA")),
                "load_average": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
