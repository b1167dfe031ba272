"""The in-memory suggestion index on its own: updates replace rows, merges and compaction keep results."""

from __future__ import annotations

import numpy as np

from resonanz.knowledge.suggest import Index, Row


def row(item_id: int, text: str, active: bool = True, version: int = 1) -> Row:
    return Row(
        item_id, "article", item_id, version, "de", "", text, "", np.zeros(512, dtype=np.float32), active
    )


def ids(index: Index, text: str) -> list[int]:
    return [s.item_id for s in index.search(text, np.zeros(512, dtype=np.float32), limit=3)]


def test_an_updated_item_is_found_by_its_new_words_only():
    index = Index()
    index.apply([row(1, "Router blinkt rot"), row(2, "Rechnung zu hoch")])
    index.apply([row(1, "Glasfaser Anschluss Termin", version=2)])
    assert ids(index, "Router blinkt rot") == []
    assert ids(index, "Glasfaser Termin") == [1]
    assert len(index) == 2


def test_a_withdrawn_item_disappears():
    index = Index()
    index.apply([row(1, "Router blinkt rot")])
    index.apply([row(1, "Router blinkt rot", active=False)])
    assert ids(index, "Router blinkt rot") == []
    assert len(index) == 0


def test_merging_and_compacting_keep_every_live_item():
    index = Index()
    index.MERGE_EVERY = 10
    index.apply([row(i, f"wort{i} gemeinsam") for i in range(25)])  # merged into columns
    index.apply([row(100 + i, f"neu{i} gemeinsam") for i in range(3)])  # recent rows
    assert ids(index, "wort7") == [7]
    assert ids(index, "neu2") == [102]
    index.apply([row(i, f"anders{i}", version=2) for i in range(0, 25, 2)])
    index._compact()
    assert ids(index, "wort7") == [7]
    assert ids(index, "wort8") == []
    assert ids(index, "anders8") == [8]
    assert len(index) == 28


def _clustered(count: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around 40 topics (like sentence embeddings: a few directions carry most of it)."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((40, 512)).astype(np.float32)
    labels = rng.integers(0, 40, count)
    vectors = topics[labels] + 0.6 * rng.standard_normal((count, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, topics


def test_large_indexes_score_in_two_steps_with_the_same_results(monkeypatch):
    from resonanz.knowledge import suggest

    monkeypatch.setattr(suggest, "COARSE_FROM", 500)
    monkeypatch.setattr(suggest, "POOL", 40)
    vectors, topics = _clustered(1200)
    rows = [
        Row(i, "article", i, 1, "de", "", f"text {i}", "", vectors[i].astype(np.float32)) for i in range(1200)
    ]
    monkeypatch.setattr(suggest, "COARSE_FROM", 10**9)
    exact = Index()
    exact.apply(rows)
    monkeypatch.setattr(suggest, "COARSE_FROM", 500)
    two_step = Index()
    two_step.apply(rows[:600])  # crosses COARSE_FROM: the projection is made here
    assert two_step.basis is not None and exact.basis is None
    two_step.apply(rows[600:])  # later rows are projected as they come (incremental)
    rng = np.random.default_rng(9)
    same = 0
    for topic in topics[:30]:
        query = topic + 0.8 * rng.standard_normal(512).astype(np.float32)
        query /= np.linalg.norm(query)
        a = [s.item_id for s in exact.search("", query, limit=5)]
        b = [s.item_id for s in two_step.search("", query, limit=5)]
        same += a == b
    assert same >= 28

    # an update and a withdrawal after the projection: the new vector is found, the old row is gone
    target = topics[0] / np.linalg.norm(topics[0])
    two_step.apply([Row(7, "article", 7, 2, "de", "", "neu", "", target.astype(np.float32))])
    assert two_step.search("", target.astype(np.float32), limit=1)[0].item_id == 7
    two_step.apply([Row(7, "article", 7, 3, "de", "", "neu", "", target.astype(np.float32), active=False)])
    assert all(s.item_id != 7 for s in two_step.search("", target.astype(np.float32), limit=5))
    two_step._compact()
    b = [s.item_id for s in two_step.search("", vectors[11], limit=1)]
    assert b == [11]
