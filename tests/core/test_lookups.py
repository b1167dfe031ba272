"""`__in` with a list of values: on PostgreSQL one array parameter (decision 0881), the same rows as `IN`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Identity
from resonanz.testing.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(workspace):
    conversations = ConversationFactory.create_batch(3, workspace=workspace)
    return [MessageFactory(conversation=c, workspace=workspace) for c in conversations for _ in range(2)]


def test_in_finds_the_same_rows_as_one_by_one(messages):
    ids = [m.pk for m in messages]
    wanted = ids[::2]
    assert sorted(Message.objects.filter(id__in=wanted).values_list("id", flat=True)) == sorted(wanted)
    assert sorted(Message.objects.filter(id__in=[*wanted, None]).values_list("id", flat=True)) == sorted(
        wanted
    )
    assert sorted(Message.objects.exclude(id__in=wanted).values_list("id", flat=True)) == sorted(
        set(ids) - set(wanted)
    )
    assert not Message.objects.filter(id__in=[]).exists()
    conversation = messages[0].conversation
    assert set(Message.objects.filter(conversation__in=[conversation])) == {
        m for m in messages if m.conversation_id == conversation.pk
    }
    assert Message.objects.filter(conversation_id__in={conversation.pk}).count() == 2
    handles = list(Identity.objects.values_list("handle", flat=True)[:2])
    assert Identity.objects.filter(handle__in=handles).count() == len(handles)
    created = messages[1].created_at
    assert Message.objects.filter(created_at__in=[created, created + dt.timedelta(days=1)]).exists()
    assert set(Message.objects.filter(conversation__in=Conversation.objects.filter(pk=conversation.pk))) == {
        m for m in messages if m.conversation_id == conversation.pk
    }


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's driver binds placeholders in C")
def test_postgresql_sends_one_statement_whatever_the_number_of_values(messages):
    ids = [m.pk for m in messages]
    with CaptureQueriesContext(connection) as captured:
        list(Message.objects.filter(id__in=ids[:2]).values_list("id", flat=True))
        list(Message.objects.filter(id__in=ids).values_list("id", flat=True))
    short, long = (query["sql"] for query in captured.captured_queries)
    assert "= ANY(" in short
    assert short.split("ANY(")[0] == long.split("ANY(")[0]
