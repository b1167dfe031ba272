"""Language: function words decide, else lingua restricted to the workspace's languages."""

from __future__ import annotations

from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.language import detector_for

VERSION = "lingua-2.1+fw-1"


def has_words(batch: Batch, i: int) -> bool:
    """Whether the language annotator found letters in the message ("empty" otherwise)."""
    found = batch.result(i, "language")
    return found is None or found.data.get("method") != "empty"


class LanguageAnnotator:
    name = "language"
    version = VERSION
    inputs: tuple[str, ...] = ("text",)
    outputs: tuple[str, ...] = ()  # the workspace's language codes, or "other"
    correctable = False

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.detector = detector_for(config.languages)

    def annotate(self, batch: Batch) -> None:
        detect = self.detector.detect
        for i, text in enumerate(batch.texts):
            found = detect(text)
            batch.put(i, Result("language", VERSION, found.label, found.score, {"method": found.method}))
