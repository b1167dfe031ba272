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
