"""Is a workspace's own model better than what it replaces? Measured on corrections it was not trained on.

What a trained model replaces: for sentiment the default model (word lists, `lexicon.py`); for relevance
"no model", where every public post counts as relevant. A model that is worse on the workspace's held-out
corrections is not installed (unless forced), so a workspace never silently gets a worse model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from resonanz.understanding import classifier
from resonanz.understanding.classifier import Example

HELD_OUT_SHARE = 0.25
MIN_HELD_OUT = 20


@dataclass
class Comparison:
    held_out: int
    model: dict[str, float]  # micro_f1, macro_f1 of the trained model on the held-out corrections
    baseline: dict[str, float]  # the same for what it replaces
    baseline_name: str

    @property
    def better(self) -> bool:
        """At least as good in micro-F1 and in macro-F1 (a tie keeps the new model: it knows the workspace)."""
        return (
            self.model["micro_f1"] >= self.baseline["micro_f1"]
            and self.model["macro_f1"] >= self.baseline["macro_f1"]
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "held_out": self.held_out,
            "model": self.model,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "better": self.better,
        }


def baseline_predictions(task: str, texts: Sequence[str]) -> tuple[str, list[str]]:
    if task == "sentiment":
        from resonanz.understanding.lexicon import default_sentiment

        return "default", [p.label for p in default_sentiment().predict(list(texts))]
    if task == "relevance":
        return "none", ["true"] * len(texts)
    raise ValueError(f"no baseline for {task!r}")


def held_out_split(n: int, labels: Sequence[str], seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """A stratified share of the corrections, fixed by the seed: (train index, held-out index)."""
    rng = np.random.default_rng(seed)
    held: list[int] = []
    array = np.array(labels)
    for label in sorted(set(labels)):
        members = np.flatnonzero(array == label)
        rng.shuffle(members)
        held += members[: max(1, round(len(members) * HELD_OUT_SHARE))].tolist()
    held_index = np.array(sorted(held), dtype=int)
    train_index = np.setdiff1d(np.arange(n), held_index)
    return train_index, held_index


def compare(
    task: str,
    file_examples: Sequence[Example],
    corrections: Sequence[Example],
    options: classifier.Options,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    seed: int = 42,
    *,
    trains_on_corrections: bool = True,
) -> Comparison | None:
    """Train on the files plus 75% of the corrections, measure on the other 25% against the baseline (a
    model trained on files only is measured on all corrections). None when there are too few corrections
    to say (fewer than MIN_HELD_OUT held out) or only one label."""
    if len({e.label for e in corrections}) < 2:
        return None
    if trains_on_corrections:
        if len(corrections) * HELD_OUT_SHARE < MIN_HELD_OUT:
            return None
        train_index, held_index = held_out_split(len(corrections), [e.label for e in corrections], seed)
        train_examples = [*file_examples, *(corrections[i] for i in train_index)]
        held = [corrections[i] for i in held_index]
    else:
        if len(corrections) < MIN_HELD_OUT:
            return None
        train_examples, held = list(file_examples), list(corrections)
    if len({e.label for e in train_examples}) < 2:
        return None
    result = classifier.evaluate(task, train_examples, held, options, embed)
    name, predicted = baseline_predictions(task, [e.text for e in held])
    micro, macro, _ = classifier.score(task, [e.label for e in held], predicted)
    return Comparison(
        held_out=len(held),
        model={"micro_f1": round(result.micro_f1, 4), "macro_f1": round(result.macro_f1, 4)},
        baseline={"micro_f1": round(micro, 4), "macro_f1": round(macro, 4)},
        baseline_name=name,
    )
