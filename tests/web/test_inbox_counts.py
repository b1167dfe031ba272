"""The inbox's counts are written in SQL (decision 0855), its lists through the ORM: every count must say how
many rows its tab, view or channel shows. Checked on a varied set of conversations (each status, noise,
public and private, mine, a colleague's, unassigned, my team's and another team's, due, breaching and not,
two channels, another workspace's)."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.utils import timezone

from resonanz.conversations.models import Conversation
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    WorkspaceFactory,
)
from resonanz.web import inbox_filters
from resonanz.web.queries import STATUS_FILTERS, InboxFilter, _filtered
from resonanz.workspaces.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(workspace, agent, fake_account):
    rng = random.Random(3)
    now = timezone.now()
    mail = ChannelAccountFactory(workspace=workspace, name="Mail", is_public=False)
    colleague = AgentFactory(workspace=workspace)
    mine = Team.objects.create(workspace=workspace, name="Technik", slug="technik")
    theirs = Team.objects.create(workspace=workspace, name="Rechnung", slug="rechnung")
    agent.teams.add(mine)
    times = [None, now - dt.timedelta(hours=2), now + dt.timedelta(minutes=30), now + dt.timedelta(hours=5)]
    for status, noise, public in itertools.product(Conversation.Status.values, (False, True), (False, True)):
        for _ in range(3):
            ConversationFactory(
                channel_account=rng.choice([fake_account, mail]),
                status=status,
                is_noise=noise,
                is_public=public,
                owner=rng.choice([agent, colleague, None]),
                team=rng.choice([mine, theirs, None]),
                first_response_due_at=rng.choice(times),
                first_responded_at=rng.choice([None, now - dt.timedelta(hours=1)]),
                resolution_due_at=rng.choice(times),
            )
    for _ in range(2):  # more public than private: a swapped condition shows
        ConversationFactory(channel_account=fake_account, status="open", is_public=True)
    other = WorkspaceFactory(slug="andere", name="Andere")
    ConversationFactory(channel_account=ChannelAccountFactory(workspace=other), status="open")
    return [fake_account.pk, mail.pk]


def shown(agent, **selection) -> int:
    return _filtered(agent, InboxFilter(**selection)).count()


def test_every_count_is_the_number_of_rows_shown(agent, world):
    counts = inbox_filters.inbox_counts(agent, world)
    statuses = [status for status in STATUS_FILTERS if status != "mine"]
    assert counts.statuses == {status: shown(agent, status=status) for status in statuses}
    assert counts.views == {view: shown(agent, status="open", view=view) for view in inbox_filters.VIEWS}
    assert counts.channels == {pk: shown(agent, status="open", channel_id=pk) for pk in world}
    assert all(0 < value < 50 for value in [*counts.statuses.values(), *counts.channels.values()])
    assert sorted(counts.views.values())[1] > 0  # the views are not all empty (only "waiting" may be small)


def test_the_counts_stop_at_the_cap(agent, world, monkeypatch):
    monkeypatch.setattr(inbox_filters, "COUNT_CAP", 2)
    counts = inbox_filters.inbox_counts(agent, world, extra={"all": _filtered(agent, InboxFilter())})
    assert set(counts.statuses.values()) == {3}  # cap + 1: "more"
    assert counts.extra == {"all": 3}
