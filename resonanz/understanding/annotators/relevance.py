"""Relevance: a message sent to us is about us; a public post needs the workspace's model (none: relevant)."""

from __future__ import annotations

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.language import has_words
from resonanz.understanding.annotators.models import WorkspaceModels


class RelevanceAnnotator:
    name = "relevance"
    version = "direct-1"  # or the installed model's version, or "none-1"
    inputs: tuple[str, ...] = ("text", "profile", "language", "embedding")
    outputs: tuple[str, ...] = ("true", "false")
    correctable = True

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.models = models
        self.model = models.relevance

    def needs_embedding(self, batch: Batch, i: int) -> bool:
        """A model trained with embedding features needs a vector for every message with words."""
        return self.model is not None and self.model.needs_embedding

    def annotate(self, batch: Batch) -> None:
        predictions = self.models.predict(batch, self.model) if self.model is not None else None
        for i, message in enumerate(batch.messages):
            words = has_words(batch, i)
            if not message.is_public or not words:
                batch.put(
                    i, Result("relevance", "direct-1", "true" if words else "false", 1.0 if words else 0.0)
                )
            elif predictions is not None and self.model is not None:
                batch.put(
                    i, Result("relevance", self.model.version, predictions[i].label, predictions[i].score)
                )
            else:
                batch.put(i, Result("relevance", "none-1", "true", None, {"model": "none"}))
