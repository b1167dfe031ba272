"""Sentiment: the workspace's model, else the default model (word lists, `lexicon.py`); emoji decide where
there are no words in a configured language."""

from __future__ import annotations

import re

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.language import has_words
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.language import OTHER
from resonanz.understanding.lexicon import default_sentiment

_POSITIVE_EMOJI = re.compile("[👍😀😃😄😁😊🙂😍🥰❤💚💙🙏🎉👏✅🤩😎]")
_NEGATIVE_EMOJI = re.compile("[👎😡😠🤬😤😞😢😭💩🙄😒😩😫❌]")


def _emoji_sentiment(text: str) -> Result | None:
    positive = len(_POSITIVE_EMOJI.findall(text))
    negative = len(_NEGATIVE_EMOJI.findall(text))
    if positive == negative:
        return None
    label = "positive" if positive > negative else "negative"
    return Result("sentiment", "emoji-1", label, 0.3, {"method": "emoji"})


def _fallback() -> Result:
    return Result("sentiment", "fallback-1", "neutral", 0.0, {"method": "fallback"})


class SentimentAnnotator:
    name = "sentiment"
    version = "lexicon-1"  # or the workspace model's version; "emoji-1", "fallback-1" without words
    inputs: tuple[str, ...] = ("text", "language", "embedding")
    outputs: tuple[str, ...] = ("negative", "neutral", "positive")
    correctable = True

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.models = models
        self.model = models.sentiment
        self.default = default_sentiment()

    def needs_embedding(self, batch: Batch, i: int) -> bool:
        """A model trained with embedding features needs a vector for every message with words."""
        return self.model is not None and self.model.needs_embedding

    def annotate(self, batch: Batch) -> None:
        scored = [i for i in range(len(batch)) if has_words(batch, i) and batch.label(i, "language") != OTHER]
        if self.model is not None:
            predictions = self.models.predict(batch, self.model)
            version = self.model.version
            by_index = {i: predictions[i] for i in scored}
        else:
            # The word lists only where their label is used (text in a configured language).
            version = self.default.version
            languages = [batch.label(i, "language") or "" for i in scored]
            by_index = dict(
                zip(scored, self.default.predict([batch.texts[i] for i in scored], languages), strict=True)
            )
        for i in range(len(batch)):
            found = by_index.get(i)
            if found is not None:
                batch.put(i, Result("sentiment", version, found.label, found.score))
            else:
                batch.put(i, _emoji_sentiment(batch.texts[i]) or _fallback())
