"""The annotator registry: declared names, versions, inputs and order; an annotator added by one registry
entry is run by the pipeline, stored and read back through the access function."""

from __future__ import annotations

import pytest

from resonanz.understanding import annotators
from resonanz.understanding.access import current_annotations, labels_for
from resonanz.understanding.annotators.base import Batch, Result, WorkspaceConfig
from resonanz.understanding.annotators.models import WorkspaceModels
from resonanz.understanding.engine import ANNOTATORS
from resonanz.understanding.models import Annotation
from resonanz.understanding.pipeline import annotate_messages
from tests.understanding.factories import make_message


class ShoutingAnnotator:
    """Throw-away: is the message written in capitals? Reads the language annotator's result."""

    name = "shouting"
    version = "shouting-1"
    inputs: tuple[str, ...] = ("text", "language")
    outputs: tuple[str, ...] = ("true", "false")
    correctable = False

    def __init__(self, config: WorkspaceConfig, models: WorkspaceModels) -> None:
        self.languages = config.languages

    def annotate(self, batch: Batch) -> None:
        for i, text in enumerate(batch.texts):
            letters = [c for c in text if c.isalpha()]
            upper = sum(c.isupper() for c in letters)
            shouting = len(letters) >= 5 and upper >= 0.8 * len(letters)
            batch.put(
                i,
                Result(
                    self.name,
                    self.version,
                    "true" if shouting else "false",
                    round(upper / max(1, len(letters)), 3),
                    {"language": batch.label(i, "language")},
                ),
            )


def test_the_built_in_annotators_are_registered_in_an_order_that_serves_their_inputs():
    names = [a.name for a in annotators.REGISTRY]
    assert sorted(names) == sorted(ANNOTATORS)
    annotators.check_order(annotators.REGISTRY)
    for annotator in annotators.REGISTRY:
        assert annotator.version
        assert set(annotator.inputs) <= {"text", "profile", "embedding", *names}
    assert annotators.correctable() == {
        "relevance": ("true", "false"),
        "sentiment": ("negative", "neutral", "positive"),
        "topic": (),
        "urgency": ("low", "normal", "high", "urgent"),
        "sensitivity": ("public", "private"),
    }


def test_an_annotator_that_reads_a_later_one_is_refused():
    class Early(ShoutingAnnotator):
        name = "early"
        inputs = ("text", "region")

    with pytest.raises(ValueError, match="region"), annotators.registered(Early, after="language"):
        pass
    assert "early" not in [a.name for a in annotators.REGISTRY]


@pytest.mark.django_db
def test_a_registered_annotator_is_run_stored_and_readable(workspace):
    loud = make_message(workspace, "WARUM GEHT MEIN INTERNET SCHON WIEDER NICHT")
    calm = make_message(workspace, "Mein Internet geht leider nicht, was kann ich tun?")
    with annotators.registered(ShoutingAnnotator):
        annotate_messages([loud.pk, calm.pk])
    assert "shouting" not in [a.name for a in annotators.REGISTRY]  # gone after the block
    assert set(
        Annotation.objects.filter(annotator="shouting").values_list("message_id", "version", "label")
    ) == {(loud.pk, "shouting-1", "true"), (calm.pk, "shouting-1", "false")}
    current = current_annotations([loud.pk, calm.pk], ("shouting", "language"))
    assert current[loud.pk]["shouting"].label == "true"
    assert current[loud.pk]["shouting"].score == 1.0
    assert current[loud.pk]["shouting"].data == {"language": current[loud.pk]["language"].label}
    assert labels_for([calm.pk])[calm.pk]["shouting"] == "false"
    # The built-in annotators ran as before beside it.
    assert labels_for([loud.pk])[loud.pk]["sentiment"] == "negative"
