"""What a model says about one text: its label and how sure it is. Shared by the trained classifiers
(`classifier.py`) and the default word lists (`lexicon.py`), so neither needs the other for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Prediction:
    label: str
    score: float  # margin of the winner over the runner-up (SVM) or its probability (logreg)
