"""The incident step applies a batch's detector events together (decision 0834): the same incidents,
members, regions and timeline entries as applying them one event at a time."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, cast

import pytest
from django.utils import timezone

from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.incidents import actions
from resonanz.incidents.models import Incident, IncidentMember
from resonanz.incidents.pipeline import detect_incidents
from resonanz.testing.factories import (
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.understanding.models import Annotation

pytestmark = pytest.mark.django_db

TEXTS = {
    "Köln": "Kein Internet in Köln seit einer Stunde!",
    "Bonn": "Mobilfunk in Bonn komplett ausgefallen",
    "": "Internet weg, Router blinkt rot",
}
STATES = {"Köln": "Nordrhein-Westfalen", "Bonn": "Nordrhein-Westfalen", "": ""}


def stream(account: ChannelAccount) -> list[int]:
    """Reports from Köln, Bonn and no known place over 40 minutes; some conversations get a second report
    a few minutes after their first (the same batch), so a conversation is named by several events."""
    rng = random.Random(5)
    now = timezone.now()
    ids: list[int] = []
    conversations: list[tuple[Conversation, str]] = []
    for index in range(90):
        if conversations and rng.random() < 0.2:  # the same customer again, about the same outage
            conversation, city = rng.choice(conversations[-10:])
        else:
            city = rng.choice(list(TEXTS))
            conversation = cast(Conversation, ConversationFactory(channel_account=account, is_public=True))
            conversations.append((conversation, city))
        message = cast(
            Message,
            MessageFactory(
                conversation=conversation,
                text=TEXTS[city],
                visibility=Message.Visibility.PUBLIC,
                created_at=now - dt.timedelta(minutes=45) + dt.timedelta(seconds=index * 25),
            ),
        )
        if city:
            Annotation.objects.create(
                message=message, annotator="region", version="1", label=STATES[city], data={"city": city}
            )
        ids.append(message.pk)
    return ids


def rows(account: ChannelAccount) -> dict[str, Any]:
    """What the step wrote, by the messages' position in the stream (ids differ between workspaces)."""
    position = {
        pk: index
        for index, pk in enumerate(
            Message.objects.filter(workspace=account.workspace).order_by("id").values_list("id", flat=True)
        )
    }
    conversation_of = dict(
        Message.objects.filter(workspace=account.workspace).values_list("id", "conversation_id")
    )
    first = {}
    for message_id in sorted(position):
        first.setdefault(conversation_of[message_id], position[message_id])
    incidents = sorted(
        (i.title, i.cities, i.states, i.member_count, i.customer_count, i.burst_ended_at is not None)
        for i in Incident.objects.filter(workspace=account.workspace)
    )
    members = sorted(
        (title, first[conversation], position[message])
        for title, conversation, message in IncidentMember.objects.filter(
            incident__workspace=account.workspace
        ).values_list("incident__title", "conversation_id", "message_id")
    )
    timeline = sorted(
        (first[conversation], data["title"])
        for conversation, data in TimelineEntry.objects.filter(
            conversation__workspace=account.workspace, kind="incident_linked"
        ).values_list("conversation_id", "data")
    )
    return {"incidents": incidents, "members": members, "timeline": timeline}


def test_a_batch_writes_the_same_rows_as_its_events_one_by_one(fake_account, monkeypatch) -> None:
    batched = stream(fake_account)
    other = WorkspaceFactory(name="Andere", slug="andere")
    one_by_one_account = cast(ChannelAccount, ChannelAccountFactory(workspace=other))
    assert one_by_one_account.workspace_id != fake_account.workspace_id
    one_by_one = stream(one_by_one_account)

    for start in range(0, len(batched), 30):
        detect_incidents(batched[start : start + 30])

    apply_events = actions._apply_events

    def each_alone(workspace: Any, events: Any, inputs: Any) -> list[int]:
        return [pk for event in events for pk in apply_events(workspace, [event], inputs)]

    monkeypatch.setattr(actions, "_apply_events", each_alone)
    for start in range(0, len(one_by_one), 30):
        detect_incidents(one_by_one[start : start + 30])

    expected = rows(one_by_one_account)
    assert len(expected["incidents"]) >= 2
    assert rows(fake_account) == expected


def test_how_the_stream_is_cut_into_tasks_does_not_change_what_the_messages_count_for() -> None:
    # Decision 0876: the embedded worker runs waiting after-ingest tasks together when it falls behind, so
    # the same stream comes in tasks of 10 messages one day and of all 90 the next. A conversation that joins
    # an incident is linked for its later messages in the same task as in the next: a follow-up is never
    # new evidence (it was, inside one task).
    whole = WorkspaceFactory(name="Ganz", slug="ganz")
    whole_account = cast(ChannelAccount, ChannelAccountFactory(workspace=whole))
    in_tens = WorkspaceFactory(name="Zehner", slug="zehner")
    tens_account = cast(ChannelAccount, ChannelAccountFactory(workspace=in_tens))

    detect_incidents(stream(whole_account))
    ids = stream(tens_account)
    for start in range(0, len(ids), 10):
        detect_incidents(ids[start : start + 10])

    expected = rows(tens_account)
    assert len(expected["incidents"]) >= 2
    assert rows(whole_account) == expected
