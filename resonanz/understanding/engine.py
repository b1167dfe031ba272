"""The annotators, without the database: typed messages in, labels out. One `Understanding` per workspace
configuration and process holds the annotators of the registry (`annotators/__init__.py`) with their loaded
models; `pipeline.py` loads messages, calls it in batches and stores results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from resonanz.understanding import annotators as registry
from resonanz.understanding.annotators.base import (
    Annotator,
    Batch,
    MessageInput,
    NeedsEmbedding,
    Result,
    WorkspaceConfig,
    plain_text,
)
from resonanz.understanding.annotators.models import WorkspaceModels, load_model

__all__ = [
    "ANNOTATORS",
    "MessageInput",
    "Result",
    "Understanding",
    "WorkspaceConfig",
    "load_model",
    "plain_text",
]

# The built-in annotators (the registry may hold more).
ANNOTATORS = ("language", "relevance", "sentiment", "topic", "urgency", "sensitivity", "region", "embedding")


class Understanding:
    """All registered annotators for one workspace configuration."""

    def __init__(self, config: WorkspaceConfig) -> None:
        self.config = config
        self.models = WorkspaceModels(config)
        self.annotators: list[Annotator] = [cls(config, self.models) for cls in registry.REGISTRY]
        self.registry = registry.fingerprint()
        # Per annotator that reads vectors: whether message i needs one (asked by the embedding annotator).
        self._needs_embedding: list[Callable[[Batch, int], bool]] = [
            a.needs_embedding
            for a in self.annotators
            if "embedding" in a.inputs and isinstance(a, NeedsEmbedding)
        ]

    def annotate(
        self,
        messages: Sequence[MessageInput],
        embeddings: dict[int, np.ndarray] | None = None,
        *,
        embed: bool = True,
    ) -> dict[int, list[Result]]:
        """Label a batch. `embeddings` holds vectors already stored; new ones are computed for messages
        that need them when `embed` is true (the benchmark turns it off to time the rest)."""
        if not messages:
            return {}
        batch = self.run(messages, embeddings, embed=embed)
        return {m.id: list(batch.results[i].values()) for i, m in enumerate(batch.messages)}

    def run(
        self,
        messages: Sequence[MessageInput],
        embeddings: dict[int, np.ndarray] | None = None,
        *,
        embed: bool = True,
        defer_public: bool = False,
    ) -> Batch:
        """`annotate`, returning the whole batch; with `defer_public`, public posts whose topic needs a new
        vector are left without a topic and listed in `batch.deferred` (the pipeline completes them in a
        background pass)."""
        batch = Batch(self.config, messages, embeddings, embed=embed, defer_public=defer_public)
        batch.embedding_consumers = self._needs_embedding
        for annotator in self.annotators:
            annotator.annotate(batch)
        return batch
