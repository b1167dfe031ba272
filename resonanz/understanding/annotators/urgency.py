"""Urgency: rules (German + English) over the text, the customer's recent messages, VIP, sentiment and
topic. A pressing reason also overrides a "positive" of the default sentiment model."""

from __future__ import annotations

from resonanz.understanding import rules
from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.topics import PRAISE_SLUGS

VERSION = "rules-1"
_COMPLAINT = frozenset({"outage", "legal_threat", "cancellation_threat", "repeated_contact", "safety"})


class UrgencyAnnotator:
    name = "urgency"
    version = VERSION
    inputs: tuple[str, ...] = ("text", "profile", "sentiment", "topic")
    outputs: tuple[str, ...] = rules.URGENCY_LEVELS
    correctable = True

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.sentiment_is_default = models.sentiment is None

    def annotate(self, batch: Batch) -> None:
        heads = rules.batch_word_heads(batch)
        for i, message in enumerate(batch.messages):
            sentiment = batch.result(i, "sentiment")
            level, found = rules.urgency(
                batch.texts[i][: rules.MAX_CHARS],
                heads=heads[i],
                is_vip=message.is_vip,
                recent_inbound=message.recent_inbound,
                sentiment=sentiment.label if sentiment is not None else "",
                topic_is_praise=batch.label(i, "topic") in PRAISE_SLUGS,
            )
            if (
                self.sentiment_is_default
                and sentiment is not None
                and sentiment.label == "positive"
                and set(found.reasons) & _COMPLAINT
            ):
                # "Seit heute kein Internet" is a complaint whatever the word lists say.
                sentiment.label, sentiment.data = "negative", {"method": "rules"}
            batch.put(
                i,
                Result("urgency", VERSION, level, None, {"reasons": found.reasons, "matches": found.matches}),
            )
