"""Each annotator's current label for many conversations at once is what the one-conversation read gives:
an agent's correction first, else the newest non-empty row, over the 20 newest messages."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction
from django.utils import timezone

from resonanz.routing.snapshots import topic_owner_from
from resonanz.testing.factories import (
    AgentFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
)
from resonanz.understanding import conversation_labels
from resonanz.understanding.actions import CORRECTION_VERSION
from resonanz.understanding.conversation_labels import (
    latest_labels,
    latest_labels_of,
    topic_owner,
    topic_rows_of,
)
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_postgresql_reads_annotations_per_message_whatever_the_planner_prefers(workspace):
    """The batch read looks annotations up by message id even when the planner would rather join (here
    pushed to by switching nested loops off; in the scale-out bench by statistics that lagged behind the
    growing table): as a join it read every annotation of the annotators (decision 0884)."""
    conversation = ConversationFactory(workspace=workspace)
    message = MessageFactory(conversation=conversation, workspace=workspace)
    Annotation.objects.create(message=message, annotator="topic", version="v1", label="a")
    sql = conversation_labels._LABELS_MANY_PG_SQL.format(
        messages=conversation_labels.MESSAGE_WINDOW,
        current_first=conversation_labels._CURRENT_FIRST,
        **conversation_labels._tables(),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, [[conversation.pk], list(ANNOTATORS)])
        plan = cursor.fetchone()[0]

    def scans(node):
        if node.get("Relation Name") == Annotation._meta.db_table:
            yield node
        for child in node.get("Plans", []):
            yield from scans(child)

    found = list(scans(plan[0]["Plan"]))
    assert found
    for node in found:
        conditions = " ".join(str(node.get(k, "")) for k in ("Index Cond", "Recheck Cond", "Filter"))
        assert "message_id = " in conditions, node
    assert latest_labels_of([conversation.pk], ANNOTATORS) == {conversation.pk: {"topic": "a"}}


def test_topic_rows_of_many_customers_read_as_each_alone(workspace):
    """The batch read of the customers' owned, open conversations and their topics gives, per customer, what
    the one-conversation read (`topic_owner`) decides — on PostgreSQL through its per-customer lookup, on
    SQLite through the window query."""
    rng = random.Random(11)
    agents = AgentFactory.create_batch(3, workspace=workspace)
    customers = CustomerFactory.create_batch(5, workspace=workspace)
    conversations = []
    for customer in customers:
        for _ in range(rng.randint(1, 4)):
            conversations.append(
                ConversationFactory(
                    workspace=workspace,
                    customer=customer,
                    owner=rng.choice([None, *agents]),
                    status=rng.choice(["new", "open", "pending", "solved"]),
                )
            )
    rows = []
    for conversation in conversations:
        for _ in range(rng.randint(0, 4)):
            message = MessageFactory(conversation=conversation, workspace=workspace)
            for version in rng.sample(["v1", "v2", CORRECTION_VERSION], rng.randint(1, 2)):
                label = rng.choice(["billing", "outage", "delivery"])
                rows.append(Annotation(message=message, annotator="topic", version=version, label=label))
    rng.shuffle(rows)
    Annotation.objects.bulk_create(rows)

    many = topic_rows_of([c.pk for c in customers])

    assert set(many) == {c.pk for c in customers}
    assert any(many.values())
    for conversation in conversations:
        for topic in ("billing", "outage", "delivery"):
            assert topic_owner_from(many[conversation.customer_id], conversation.pk, topic) == topic_owner(
                conversation, topic
            ), (conversation.pk, topic)
    assert topic_rows_of([]) == {}
