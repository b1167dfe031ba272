"""Sensitivity: "private" (one-to-one only) for health, debts, bereavement, personal data, a private topic,
a workspace term or a VIP; else "public"."""

from __future__ import annotations

import re

from resonanz.understanding import rules
from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.topics import NO_TOPIC

VERSION = "rules-1"


class SensitivityAnnotator:
    name = "sensitivity"
    version = VERSION
    inputs: tuple[str, ...] = ("text", "profile", "topic")
    outputs: tuple[str, ...] = ("public", "private")
    correctable = True

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.private_topics = {t.slug for t in config.topics if t.is_private}
        self.private_terms = (
            re.compile("|".join(re.escape(term) for term in config.private_terms), re.IGNORECASE)
            if config.private_terms
            else None
        )

    def annotate(self, batch: Batch) -> None:
        heads = rules.batch_word_heads(batch)
        for i, message in enumerate(batch.messages):
            topic = batch.label(i, "topic")
            private, found = rules.sensitivity(
                batch.texts[i][: rules.MAX_CHARS],
                heads=heads[i],
                is_vip=message.is_vip,
                private_topic=topic if topic in self.private_topics and topic != NO_TOPIC else None,
                extra_terms=self.private_terms,
            )
            batch.put(
                i,
                Result(
                    "sensitivity",
                    VERSION,
                    private,
                    None,
                    {"reasons": found.reasons, "matches": found.matches},
                ),
            )
