"""The inbox's cost follows its page, not the table (issue 13, speed at scale): counts stop at a cap, pages
are read with LIMIT instead of counted, the search reads the newest matches only, and the customer page
looks for merge suggestions once, not on every view."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from resonanz.conversations.models import Conversation
from resonanz.customers.models import MatchSuggestion
from resonanz.testing.factories import ConversationFactory, CustomerFactory, IdentityFactory, MessageFactory
from resonanz.web import inbox_filters, search
from resonanz.web.queries import InboxFilter, inbox_page

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


def conversations(fake_account: Any, n: int, **fields: Any) -> list[Conversation]:
    now = timezone.now()
    return [
        make(
            ConversationFactory,
            channel_account=fake_account,
            last_message_at=now - dt.timedelta(minutes=i),
            **fields,
        )
        for i in range(n)
    ]


def test_counts_stop_at_the_cap_and_say_so(agent_client, agent, fake_account, monkeypatch):
    monkeypatch.setattr(inbox_filters, "COUNT_CAP", 3)
    conversations(fake_account, 5, owner=agent, status="open")
    conversations(fake_account, 2, status="solved")
    page = agent_client.get("/").content.decode()
    assert 'data-view-count="mine">3+<' in page  # five of mine: more than the cap
    assert 'data-view-count="unassigned">0<' in page
    assert inbox_filters.view_counts(agent)["mine"] == 4  # cap + 1: "more"
    from resonanz.web.queries import status_counts

    counts = status_counts(agent)
    assert (counts["solved"], counts["open"], counts["all"]) == (2, 4, 4)


def test_no_count_over_the_table_on_an_inbox_page(agent_client, fake_account):
    conversations(fake_account, 3, status="open")
    with CaptureQueriesContext(connection) as captured:
        agent_client.get("/?status=all&q=Router")
    counting = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counting, "the sidebar's counts are counted"
    # Every count reads a LIMITed subquery: never all matching rows.
    assert all("LIMIT" in sql.upper() for sql in counting), counting


def test_pages_are_read_with_limit_and_the_last_page_knows_its_total(agent, fake_account):
    made = conversations(fake_account, 7, status="open")
    first = inbox_page(agent, InboxFilter(status="open"), "1", 3)
    assert [c.pk for c in first] == [c.pk for c in made[:3]]  # newest first
    assert (first.has_next, first.total, first.end) == (True, None, 3)
    last = inbox_page(agent, InboxFilter(status="open"), "3", 3)
    assert [c.pk for c in last] == [made[6].pk]
    assert (last.has_next, last.has_previous, last.total) == (False, True, 7)
    assert [c.pk for c in inbox_page(agent, InboxFilter(status="open"), "99", 3)] == [
        c.pk for c in made[:3]
    ]  # past the end: the first page


def test_the_inbox_says_more_than_a_page_without_counting(agent_client, fake_account, monkeypatch):
    from resonanz.web.views import inbox

    monkeypatch.setattr(inbox, "INBOX_PAGE_SIZE", 2)
    conversations(fake_account, 3, status="open")
    page = agent_client.get("/").content.decode()
    assert "Mehr als 2 Gespräche" in page
    assert "3 Gespräche" in agent_client.get("/?page=2").content.decode()


# PostgreSQL looks among the newest RECENT_MESSAGES first, then among the older ones: 1 makes it use both.
@pytest.mark.parametrize("recent", [search.RECENT_MESSAGES, 1])
def test_search_reads_the_newest_matching_messages_only(agent, fake_account, monkeypatch, recent):
    monkeypatch.setattr(search, "RECENT_MESSAGES", recent)
    made = conversations(fake_account, 4, status="open")
    for conversation in made:
        make(MessageFactory, conversation=conversation, text="Router blinkt rot")
    found = search.matching_conversation_ids(agent, "router", limit=2)
    newest_two = sorted(
        made, key=lambda c: c.messages.order_by("-id").values_list("id", flat=True)[0], reverse=True
    )[:2]
    assert sorted(found) == sorted(c.pk for c in newest_two)
    assert sorted(search.matching_conversation_ids(agent, "router")) == sorted(c.pk for c in made)


def test_the_customer_page_looks_for_suggestions_once_then_reads_them(agent_client, workspace, monkeypatch):
    from resonanz.conversations import merges

    customer = make(CustomerFactory, workspace=workspace, email="anna@example.de")
    twin = make(CustomerFactory, workspace=workspace, email="Anna@example.de")
    looked: list[int] = []
    real = merges.do_compute_suggestions

    def counting(found: Any) -> Any:
        looked.append(found.pk)
        return real(found)

    monkeypatch.setattr(merges, "do_compute_suggestions", counting)
    for _ in range(3):
        page = agent_client.get(f"/customers/{customer.pk}/").content.decode()
        suggestion = MatchSuggestion.objects.get(customer=customer, candidate=twin)
        assert f'data-suggestion="{suggestion.pk}"' in page
    assert looked == [customer.pk]
    make(IdentityFactory, customer=customer, kind="email", handle="anna.m@example.de")
    agent_client.get(f"/customers/{customer.pk}/")
    assert looked == [customer.pk, customer.pk]  # its own identities changed: looked for again


def test_the_search_reads_no_table_to_match_a_substring(agent_client, fake_account):
    """Subjects, customers and handles are matched through their trigram indexes (SQLite), not by a LIKE
    over every row of the workspace; a text under three characters has no trigram and is scanned."""
    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL the LIKE itself is served by the pg_trgm indexes")
    conversations(fake_account, 2, status="open")
    with CaptureQueriesContext(connection) as captured:
        agent_client.get("/?status=all&q=Rechnung")
    assert not [q["sql"] for q in captured.captured_queries if " LIKE " in q["sql"].upper()]
    with CaptureQueriesContext(connection) as captured:
        agent_client.get("/?status=all&q=XL")
    assert [q["sql"] for q in captured.captured_queries if " LIKE " in q["sql"].upper()]
