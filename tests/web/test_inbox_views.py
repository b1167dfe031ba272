"""The inbox's views with counts, the topic filter and bulk actions on a selection."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from resonanz.conversations.models import Conversation, TimelineEntry
from resonanz.testing.factories import AgentFactory, ConversationFactory, MessageFactory
from resonanz.understanding.models import Annotation
from resonanz.workspaces.actions import do_ensure_team

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def world(agent, workspace, fake_account):
    colleague = make(AgentFactory, workspace=workspace)
    team = do_ensure_team(workspace, "Technik")
    agent.teams.add(team)
    now = timezone.now()

    def conversation(**fields: Any) -> Conversation:
        made = make(ConversationFactory, channel_account=fake_account, **{"status": "open", **fields})
        make(MessageFactory, conversation=made)
        return made  # type: ignore[no-any-return]

    return {
        "mine": conversation(owner=agent),
        "mine_pending": conversation(owner=agent, status="pending"),
        "colleagues": conversation(owner=colleague, team=team, is_public=True),
        "unassigned": conversation(first_response_due_at=now + dt.timedelta(minutes=20)),
        "breached": conversation(owner=colleague, first_response_due_at=now - dt.timedelta(minutes=5)),
        "solved": conversation(owner=agent, status="solved"),
        "colleague": colleague,
    }


def shown(client, query: str, world: dict[str, Any]) -> set[str]:
    page = client.get("/?" + query).content.decode()
    return {
        name
        for name, c in world.items()
        if isinstance(c, Conversation) and f'data-conversation="{c.pk}"' in page
    }


def test_each_view_shows_its_conversations_with_counts(agent_client, world):
    assert shown(agent_client, "view=mine", world) == {"mine", "mine_pending"}
    assert shown(agent_client, "view=waiting", world) == {"mine"}
    assert shown(agent_client, "view=team", world) == {"colleagues"}
    assert shown(agent_client, "view=unassigned", world) == {"unassigned"}
    assert shown(agent_client, "view=due", world) == {"unassigned", "breached"}
    assert shown(agent_client, "view=public", world) == {"colleagues"}
    assert shown(agent_client, "view=private", world) == {"mine", "mine_pending", "unassigned", "breached"}
    page = agent_client.get("/").content.decode()
    counts = dict(re.findall(r'data-view-count="(\w+)">(\d+)<', page))
    assert counts == {
        "mine": "2",
        "team": "1",
        "unassigned": "1",
        "waiting": "1",
        "due": "2",
        "public": "1",
        "private": "4",
    }
    channel = world["mine"].channel_account_id
    assert f'data-channel-count="{channel}">5<' in page  # the five open ones, not the solved


def test_topic_filter(agent_client, world):
    Annotation.objects.create(
        message=world["mine"].messages.get(), annotator="topic", version="1", label="outage"
    )
    assert shown(agent_client, "topic=outage", world) == {"mine"}


def test_bulk_status_and_assign(agent_client, agent, world):
    chosen = [world["unassigned"].pk, world["breached"].pk]
    response = agent_client.post(
        "/inbox/bulk", {"id": chosen, "action": "status", "status": "pending", "next": "/?view=due"}
    )
    assert response.status_code == 302 and response["Location"] == "/?view=due"
    assert set(Conversation.objects.filter(pk__in=chosen).values_list("status", flat=True)) == {"pending"}
    colleague = world["colleague"]
    agent_client.post("/inbox/bulk", {"id": chosen, "action": "assign", "agent": colleague.pk})
    assert Conversation.objects.get(pk=world["unassigned"].pk).owner == colleague
    assert TimelineEntry.objects.filter(kind="transferred", conversation_id=world["unassigned"].pk).exists()


def test_bulk_skips_conversations_of_another_workspace_and_unsafe_next(agent_client, world):
    from resonanz.testing.factories import ChannelAccountFactory, WorkspaceFactory

    foreign = make(
        ConversationFactory,
        channel_account=make(ChannelAccountFactory, workspace=make(WorkspaceFactory, slug="fremd")),
    )
    response = agent_client.post(
        "/inbox/bulk",
        {"id": [foreign.pk], "action": "status", "status": "closed", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"
    foreign.refresh_from_db()
    assert foreign.status == "new"


def test_full_text_search_over_messages_customers_and_handles(agent_client, workspace, fake_account):
    from resonanz.conversations.models import Message
    from resonanz.testing.factories import CustomerFactory, IdentityFactory

    router = make(ConversationFactory, channel_account=fake_account, subject="Anliegen")
    make(MessageFactory, conversation=router, text="Mein Router blinkt seit gestern rot")
    customer = make(CustomerFactory, workspace=workspace, display_name="Erika Muster")
    make(IdentityFactory, customer=customer, handle="erika_koeln")
    erika = make(ConversationFactory, channel_account=fake_account, customer=customer, subject="Frage")
    make(MessageFactory, conversation=erika, text="Rechnung doppelt abgebucht")
    world = {"router": router, "erika": erika}

    def found(text: str) -> set[str]:
        return shown(agent_client, f"status=all&q={text}", world)

    assert found("router blinkt") == {"router"}
    assert found("rout") == {"router"}  # a word's start
    assert found("blinkt rechnung") == set()  # every word must match
    assert found("erika_koeln") == {"erika"}
    assert found("Muster") == {"erika"}
    assert found('"%20OR%20*') == set()  # no FTS syntax gets through, no error
    Message.objects.filter(conversation=erika).update(text="Lastschrift doppelt")
    assert found("lastschrift") == {"erika"}


def test_subjects_names_and_handles_match_anywhere_through_their_index(agent_client, workspace, fake_account):
    from resonanz.customers.models import Customer, Identity
    from resonanz.testing.factories import CustomerFactory, IdentityFactory

    customer = make(
        CustomerFactory, workspace=workspace, display_name="Jürgen Weißbach", email="jw@beispiel.de"
    )
    make(IdentityFactory, customer=customer, kind="x", handle="jw_100%")
    billing = make(
        ConversationFactory, channel_account=fake_account, customer=customer, subject="Doppelte Rechnung"
    )
    other = make(ConversationFactory, channel_account=fake_account, subject='Frage zu "Tarif" XL')
    world = {"billing": billing, "other": other}

    def found(text: str) -> set[str]:
        return shown(agent_client, f"status=all&q={text}", world)

    assert found("chnung") == {"billing"}  # inside a word, as before: a substring
    assert found("RECHNUNG") == {"billing"}
    assert found("weißb") == {"billing"}
    assert found("beispiel.de") == {"billing"}
    assert found("w_100%25") == {"billing"}  # "_" and "%" are characters, not wildcards
    assert found("w 100") == set()
    assert found('zu%20"Tarif"') == {"other"}
    assert found("XL") == {"other"}  # two characters: no trigram, the same result by a scan
    # The indexes follow the rows: a new subject is found, the old one no longer.
    Conversation.objects.filter(pk=billing.pk).update(subject="Gutschrift")
    assert (found("chnung"), found("gutschr")) == (set(), {"billing"})
    Customer.objects.filter(pk=customer.pk).update(display_name="Jürgen Meier")
    assert (found("weißb"), found("meier")) == (set(), {"billing"})
    Identity.objects.filter(customer=customer).delete()
    assert found("w_100%25") == set()


def test_the_search_indexes_are_kept_current_by_triggers(db):
    """A later migration that rebuilds one of these tables (SQLite's ALTER) drops its triggers with it: the
    search would silently stop finding new rows. Recreate them in that migration (web/0002)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL indexes the columns themselves")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'web_%_fts_%'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert triggers == {
        f"web_{name}_fts_{event}"
        for name in ("message", "subject", "customer", "handle")
        for event in ("insert", "delete", "update")
    }
