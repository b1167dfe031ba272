"""A workspace's trained classifiers (relevance, sentiment, topic), loaded once per process, and the hashed
n-grams they share: one featurization per batch feeds every model (`Batch.shared`)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from resonanz.understanding.annotators.base import Batch, WorkspaceConfig
from resonanz.understanding.classifier import Hashed, TextClassifier, featurizer, lexicon_features
from resonanz.understanding.prediction import Prediction

_MODELS: dict[str, TextClassifier] = {}
_models_lock = threading.Lock()


def load_model(path: str | Path) -> TextClassifier:
    """Each model file is loaded once per process."""
    key = str(path)
    with _models_lock:
        model = _MODELS.get(key)
        if model is None:
            model = TextClassifier.load(path)
            _MODELS[key] = model
        return model


def _context_terms(model: TextClassifier) -> list[str]:
    return model.options.context_terms if model.options.context_weight > 0 else []


class WorkspaceModels:
    def __init__(self, config: WorkspaceConfig) -> None:
        self.sentiment = load_model(config.sentiment_model) if config.sentiment_model else None
        self.relevance = load_model(config.relevance_model) if config.relevance_model else None
        self.topic_model = load_model(config.topic_model) if config.topic_model else None
        self.loaded = [c for c in (self.sentiment, self.relevance, self.topic_model) if c is not None]
        # A classifier trained with embeddings as features (`--embedding-weight`) needs a vector for every
        # message with words.
        self.need_vectors = any(model.needs_embedding for model in self.loaded)
        # The context block of the first model that has one (in practice: relevance); a model with other
        # terms gets its own.
        self.context_terms = next((_context_terms(m) for m in self.loaded if _context_terms(m)), [])

    def _urls(self, batch: Batch) -> list[str] | None:
        if any(model.options.url_weight > 0 for model in self.loaded):
            return [m.url for m in batch.messages]
        return None

    def _hashed(self, batch: Batch) -> Hashed:
        return featurizer().transform(
            batch.texts,
            [m.source for m in batch.messages],
            source_words=any(model.options.source_word_weight != 0 for model in self.loaded),
            urls=self._urls(batch),
            context_terms=self.context_terms,
        )

    def _matrix(self, batch: Batch) -> np.ndarray:
        from resonanz.understanding.embedding import DIMENSIONS

        matrix = np.zeros((len(batch), DIMENSIONS), dtype=np.float32)
        for i, m in enumerate(batch.messages):
            vector = batch.embeddings.get(m.id)
            if vector is not None:
                matrix[i] = vector
        return matrix

    def predict(self, batch: Batch, model: TextClassifier) -> list[Prediction]:
        """The model's predictions for the whole batch, from the batch's shared hashed n-grams."""
        own = batch.shared("classifier.hashed", lambda: self._hashed(batch))
        if _context_terms(model) and _context_terms(model) != self.context_terms:
            own = model.options.featurize(batch.texts, [m.source for m in batch.messages], self._urls(batch))
        matrix = (
            batch.shared("classifier.embeddings", lambda: self._matrix(batch)) if self.need_vectors else None
        )
        lexicon = (
            batch.shared("classifier.lexicon", lambda: lexicon_features(batch.texts))
            if any(m.needs_lexicon for m in self.loaded)
            else None
        )
        return model.predict_hashed(
            own, matrix if model.needs_embedding else None, lexicon if model.needs_lexicon else None
        )
