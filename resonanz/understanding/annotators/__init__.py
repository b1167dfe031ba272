"""The annotator registry: every annotator the understanding step runs, in this order (one line each).

An annotator runs after every annotator it reads (`inputs`); `check_order` enforces it. Adding one: write
its module in this package (see `docs/tutorials/writing-an-annotator.md`) and add its line here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from resonanz.understanding.annotators.base import (
    INPUTS,
    Annotator,
    Batch,
    MessageInput,
    Result,
    WorkspaceConfig,
)
from resonanz.understanding.annotators.embedding import EmbeddingAnnotator
from resonanz.understanding.annotators.language import LanguageAnnotator
from resonanz.understanding.annotators.region import RegionAnnotator
from resonanz.understanding.annotators.relevance import RelevanceAnnotator
from resonanz.understanding.annotators.sensitivity import SensitivityAnnotator
from resonanz.understanding.annotators.sentiment import SentimentAnnotator
from resonanz.understanding.annotators.topic import TopicAnnotator
from resonanz.understanding.annotators.urgency import UrgencyAnnotator

__all__ = ["REGISTRY", "Annotator", "Batch", "MessageInput", "Result", "WorkspaceConfig", "registered"]

REGISTRY: list[type[Annotator]] = [
    LanguageAnnotator,
    EmbeddingAnnotator,  # before the annotators that read vectors; computes only the ones they ask for
    RelevanceAnnotator,
    SentimentAnnotator,
    TopicAnnotator,
    UrgencyAnnotator,  # may turn a default-model "positive" into "negative" (a pressing complaint)
    SensitivityAnnotator,
    RegionAnnotator,
]


def check_order(annotators: list[type[Annotator]]) -> None:
    """Every input is "text", "profile", "embedding" or an annotator that runs earlier; names are unique."""
    seen: set[str] = set()
    for annotator in annotators:
        if annotator.name in seen:
            raise ValueError(f"annotator {annotator.name!r} is registered twice")
        for needed in annotator.inputs:
            if needed not in INPUTS and needed not in seen:
                raise ValueError(
                    f"annotator {annotator.name!r} reads {needed!r}, which does not run before it"
                )
        seen.add(annotator.name)


def fingerprint() -> str:
    """Changes when the registered annotators or their versions change (engines are rebuilt then)."""
    payload = "|".join(f"{a.__module__}.{a.__qualname__}:{a.name}:{a.version}" for a in REGISTRY)
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


def correctable() -> dict[str, tuple[str, ...]]:
    """Which labels an agent may set, per annotator (an open set, such as topic slugs: checked elsewhere)."""
    return {a.name: tuple(a.outputs) for a in REGISTRY if a.correctable}


@contextmanager
def registered(annotator: type[Annotator], *, after: str | None = None) -> Iterator[None]:
    """Run `annotator` too while the block runs (tests, experiments); appended, or after the named one."""
    position = len(REGISTRY)
    if after is not None:
        position = next(i for i, a in enumerate(REGISTRY) if a.name == after) + 1
    candidate = [*REGISTRY[:position], annotator, *REGISTRY[position:]]
    check_order(candidate)
    REGISTRY.insert(position, annotator)
    try:
        yield
    finally:
        REGISTRY.remove(annotator)


check_order(REGISTRY)
