"""`current_annotations`, the one read of annotations: an agent's correction first, else the newest version;
the embedding vectors only when asked for; on PostgreSQL looked up per message whatever the planner's
statistics say (decision 0886)."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from resonanz.testing.factories import ConversationFactory, MessageFactory
from resonanz.understanding.access import current_annotations, embeddings_for
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.embedding import pack
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db

VECTOR = pack(np.ones(4, dtype=np.float32))


@pytest.fixture
def messages(workspace):
    conversation = ConversationFactory(workspace=workspace)
    first, second, bare = (MessageFactory(conversation=conversation, workspace=workspace) for _ in range(3))
    rows = [
        (first, "sentiment", "v1", "neutral", {"n": 1}),
        (first, "sentiment", "v2", "negative", {"n": 2}),  # newer version: current
        (first, "topic", CORRECTION_VERSION, "billing", {}),  # a correction beats ...
        (first, "topic", "v9", "outage", {"n": 9}),  # ... a newer machine row
        (first, "embedding", "usem3", "", {"vector": VECTOR}),
        (second, "sentiment", "v1", "positive", {"n": 3}),
    ]
    for message, annotator, version, label, data in rows:
        Annotation.objects.create(
            message=message, annotator=annotator, version=version, label=label, score=0.5, data=data
        )
    return first, second, bare


def test_corrections_first_then_the_newest_version(messages):
    first, second, bare = messages
    current = current_annotations([first.pk, second.pk, bare.pk])
    assert set(current) == {first.pk, second.pk, bare.pk}
    assert current[bare.pk] == {}
    assert set(current[first.pk]) == {"sentiment", "topic"}  # no embedding unless asked for
    assert current[first.pk]["sentiment"].label == "negative"
    assert current[first.pk]["sentiment"].data == {"n": 2}
    assert current[first.pk]["sentiment"].score == 0.5
    assert current[first.pk]["topic"].label == "billing"
    assert current[first.pk]["topic"].is_correction
    assert current[second.pk]["sentiment"].version == "v1"


def test_only_the_annotators_asked_for_and_labels_without_data(messages):
    first, second, _ = messages
    current = current_annotations([first.pk, second.pk], ("embedding", "topic"))
    assert set(current[first.pk]) == {"embedding", "topic"}
    assert current[first.pk]["embedding"].data == {"vector": VECTOR}
    assert current[second.pk] == {}
    light = current_annotations([first.pk], with_data=False)
    assert light[first.pk]["sentiment"].label == "negative"
    assert light[first.pk]["sentiment"].data == {}
    assert current_annotations([]) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_postgresql_looks_annotations_up_per_message(messages):
    """The statements it sends read the annotation table by each message's id, even where the planner would
    rather not (nested loops switched off here; in the scale-out bench, statistics that lagged behind the
    growing table): never all annotations of the annotators, never the whole table."""
    first, _, _ = messages
    with CaptureQueriesContext(connection) as captured:
        for annotators in (None, ("sentiment", "topic")):
            assert current_annotations([first.pk], annotators)[first.pk]
    assert len(captured.captured_queries) == 2
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "message_id = m.id" in plan, plan


def test_stored_embeddings_are_read_per_message(messages):
    first, second, _ = messages
    with CaptureQueriesContext(connection) as captured:
        assert set(embeddings_for([first.pk, second.pk])) == {first.pk}
    assert embeddings_for([]) == {}
    if connection.vendor == "postgresql":
        assert "unnest" in captured.captured_queries[0]["sql"]
