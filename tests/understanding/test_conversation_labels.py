"""Each annotator's current label for many conversations at once is what the one-conversation read gives:
an agent's correction first, else the newest non-empty row, over the 20 newest messages."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from resonanz.testing.factories import ConversationFactory, MessageFactory
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.conversation_labels import latest_labels, latest_labels_of
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db

ANNOTATORS = ("sentiment", "topic", "urgency")


def test_many_conversations_read_as_each_alone(workspace):
    rng = random.Random(7)
    conversations = ConversationFactory.create_batch(6, workspace=workspace)
    now = timezone.now()
    rows = []
    for conversation in conversations:
        for i in range(rng.randint(0, 24)):
            message = MessageFactory(
                conversation=conversation, workspace=workspace, created_at=now - dt.timedelta(minutes=i)
            )
            for annotator in (*ANNOTATORS, "language"):
                for version in rng.sample(["v1", "v2", CORRECTION_VERSION], rng.randint(0, 2)):
                    label = rng.choice(["", "a", "b", "c"])
                    rows.append(
                        Annotation(message=message, annotator=annotator, version=version, label=label)
                    )
    rng.shuffle(rows)
    Annotation.objects.bulk_create(rows)
    ids = [c.pk for c in conversations]

    many = latest_labels_of(ids, ANNOTATORS)

    assert many == {pk: latest_labels(pk, ANNOTATORS) for pk in ids}
    assert any(many.values())
    assert latest_labels_of([], ANNOTATORS) == {}
