"""Routing through the pipeline and the actions: assignment, stickiness, transfers, rule versions."""

from __future__ import annotations

import pytest

from resonanz.conversations.models import Conversation, TimelineEntry
from resonanz.routing.actions import (
    do_delete_routing_rule,
    do_route_conversation,
    do_save_routing_rule,
    do_set_presence,
)
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.routing.pipeline import route_messages
from resonanz.routing.snapshots import rules_in_force
from resonanz.testing.factories import (
    AgentFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    WorkspaceFactory,
    event,
)
from resonanz.testing.helpers import assert_database_query_count, signed_post
from resonanz.workspaces.models import Agent
from tests.routing.factories import RoutingRuleFactory, TeamFactory, annotate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_these_pipeline_steps(settings):
    # Routing on its own: without annotations every fact takes its default.
    settings.AFTER_INGEST_STEPS = ["resonanz.routing.pipeline.route_messages"]


def routing_entries(conversation):
    return list(
        TimelineEntry.objects.filter(conversation=conversation)
        .exclude(kind__in=("created", "reopened", "replied", "status_changed"))
        .order_by("id")
        .values_list("kind", "data__reason", "data__to_agent_id")
    )


def incoming(account, customer=None, **labels):
    """Given a new conversation with one inbound message carrying these annotations."""
    conversation = ConversationFactory(
        channel_account=account, **({"customer": customer} if customer else {})
    )
    message = MessageFactory(conversation=conversation)
    annotate(message, **labels)
    return conversation, message


def test_new_conversation_from_the_webhook_is_assigned_to_the_online_agent(
    client, fake_account, agent, django_capture_on_commit_callbacks
):
    AgentFactory(workspace=fake_account.workspace, presence="offline")
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, f"/api/channels/{fake_account.pk}/events", "test-secret", event("t-1"))
    conversation = Conversation.objects.get()
    assert (conversation.owner_id, conversation.team_id, conversation.priority) == (agent.pk, None, 1)
    entry = TimelineEntry.objects.get(conversation=conversation, kind="assigned")
    assert entry.actor_id is None
    assert entry.data == {
        "from_agent_id": None,
        "to_agent_id": agent.pk,
        "team_id": None,
        "priority": 1,
        "reason": "balanced",
        "rule_set_version": 0,
        "rule_ids": [],
        "trigger": "message",
    }


def test_topic_rule_sends_outages_to_the_technician_with_priority_from_urgency(
    fake_account, technician, accountant, outage_rule, invoice_rule, tech
):
    conversation, message = incoming(fake_account, topic="outage", urgency="high", sentiment="negative")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert (conversation.owner_id, conversation.team_id, conversation.priority) == (technician.pk, tech.pk, 2)
    assert TimelineEntry.objects.get(conversation=conversation, kind="assigned").data["rule_ids"] == [
        outage_rule.pk
    ]


def test_newest_annotation_per_annotator_counts(
    fake_account, technician, accountant, outage_rule, invoice_rule
):
    conversation, message = incoming(fake_account, topic="outage")
    later = MessageFactory(conversation=conversation)
    annotate(later, topic="invoice")
    route_messages([message.pk, later.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id == accountant.pk


def test_language_is_required_english_goes_to_the_english_speaker(fake_account, technician, accountant):
    conversation, message = incoming(fake_account, language="en")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id == accountant.pk


def test_balancing_picks_the_least_loaded_and_skips_full_and_away_agents(fake_account, workspace):
    busy = AgentFactory(workspace=workspace, capacity=10)
    full = AgentFactory(workspace=workspace, capacity=1)
    AgentFactory(workspace=workspace, presence="away")
    quiet = AgentFactory(workspace=workspace, capacity=10)
    ConversationFactory.create_batch(3, channel_account=fake_account, owner=busy, status="open")
    ConversationFactory(channel_account=fake_account, owner=full, status="open")
    ConversationFactory(channel_account=fake_account, owner=quiet, status="open")
    ConversationFactory.create_batch(5, channel_account=fake_account, owner=quiet, status="solved")
    conversation, message = incoming(fake_account)
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id == quiet.pk


def test_follow_up_stays_with_the_owner_although_others_are_free(
    client, fake_account, workspace, django_capture_on_commit_callbacks
):
    owner = AgentFactory(workspace=workspace)
    url = f"/api/channels/{fake_account.pk}/events"
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, url, "test-secret", event("t-1", handle="anna"))
    AgentFactory(workspace=workspace)  # a free colleague comes online
    ConversationFactory.create_batch(2, channel_account=fake_account, owner=owner, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, url, "test-secret", event("t-2", "Noch da?", handle="anna"))
    conversation = Conversation.objects.get(customer__identities__handle="anna")
    assert conversation.owner_id == owner.pk
    assert routing_entries(conversation) == [("assigned", "balanced", owner.pk)]


def test_reopened_conversation_goes_back_to_an_away_owner(
    client, fake_account, workspace, django_capture_on_commit_callbacks
):
    owner = AgentFactory(workspace=workspace)
    url = f"/api/channels/{fake_account.pk}/events"
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, url, "test-secret", event("t-1", handle="anna"))
    Conversation.objects.update(status="solved")
    AgentFactory(workspace=workspace)
    Agent.objects.filter(pk=owner.pk).update(presence="away")
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(
            client, url, "test-secret", event("t-2", "Geht schon wieder nicht", handle="anna", reply_to="t-1")
        )
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.owner_id) == ("open", owner.pk)
    assert routing_entries(conversation) == [("assigned", "balanced", owner.pk)]


def test_reopened_conversation_of_an_offline_owner_is_transferred_and_audited(
    client, fake_account, workspace, django_capture_on_commit_callbacks
):
    owner = AgentFactory(workspace=workspace)
    url = f"/api/channels/{fake_account.pk}/events"
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(client, url, "test-secret", event("t-1", handle="anna"))
    Conversation.objects.update(status="solved")
    Agent.objects.filter(pk=owner.pk).update(presence="offline")
    colleague = AgentFactory(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(
            client, url, "test-secret", event("t-2", "Geht schon wieder nicht", handle="anna", reply_to="t-1")
        )
    conversation = Conversation.objects.get()
    assert conversation.owner_id == colleague.pk
    assert routing_entries(conversation) == [
        ("assigned", "balanced", owner.pk),
        ("transferred", "owner_unavailable", colleague.pk),
    ]
    transferred = TimelineEntry.objects.get(kind="transferred")
    assert transferred.data["from_agent_id"] == owner.pk


def test_new_conversation_on_the_same_topic_goes_to_the_owner_of_the_open_one(
    fake_account, mail_account, workspace
):
    customer = CustomerFactory(workspace=workspace)
    owner = AgentFactory(workspace=workspace, capacity=50)
    AgentFactory(workspace=workspace)  # less loaded, would win by balancing
    earlier, _ = incoming(fake_account, customer=customer, topic="outage")
    Conversation.objects.filter(pk=earlier.pk).update(owner=owner, status="open")
    ConversationFactory.create_batch(3, channel_account=fake_account, owner=owner, status="open")
    conversation, message = incoming(mail_account, customer=customer, topic="outage")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id == owner.pk
    assert routing_entries(conversation) == [("assigned", "sticky_topic", owner.pk)]


def test_new_conversation_on_another_topic_is_balanced(fake_account, mail_account, workspace):
    customer = CustomerFactory(workspace=workspace)
    owner = AgentFactory(workspace=workspace)
    free = AgentFactory(workspace=workspace)
    earlier, _ = incoming(fake_account, customer=customer, topic="outage")
    Conversation.objects.filter(pk=earlier.pk).update(owner=owner, status="open")
    conversation, message = incoming(mail_account, customer=customer, topic="invoice")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id == free.pk


def test_routing_twice_assigns_once(fake_account, agent):
    conversation, message = incoming(fake_account)
    route_messages([message.pk])
    route_messages([message.pk])
    do_route_conversation(conversation.pk)
    assert routing_entries(conversation) == [("assigned", "balanced", agent.pk)]


def test_closed_conversation_is_not_routed(fake_account, agent):
    conversation, message = incoming(fake_account)
    Conversation.objects.filter(pk=conversation.pk).update(status="closed")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert conversation.owner_id is None
    assert routing_entries(conversation) == []


def test_nobody_online_queues_for_the_team_until_an_agent_comes_online(
    fake_account, workspace, tech, outage_rule, technician, django_capture_on_commit_callbacks
):
    Agent.objects.filter(pk=technician.pk).update(presence="offline")
    conversation, message = incoming(fake_account, topic="outage")
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert (conversation.owner_id, conversation.team_id) == (None, tech.pk)
    assert routing_entries(conversation) == [("queued", "no_agent", None)]
    with django_capture_on_commit_callbacks(execute=True):
        do_set_presence(technician, "online")
    conversation.refresh_from_db()
    assert conversation.owner_id == technician.pk
    assert routing_entries(conversation)[-1] == ("assigned", "balanced", technician.pk)


def test_every_rule_change_writes_a_new_version_and_routing_follows_the_newest(
    workspace, fake_account, tech, billing, technician, accountant
):
    rule = RoutingRuleFactory.build(workspace=workspace, name="Alles → Technik", team=tech)
    first = do_save_routing_rule(None, rule)
    rule.team = billing
    second = do_save_routing_rule(technician, rule)
    assert (first.version, second.version) == (1, 2)
    assert [r["team_id"] for r in first.rules] == [tech.pk]
    assert [r["team_id"] for r in second.rules] == [billing.pk]
    assert second.created_by == technician
    version, rules = rules_in_force(workspace.pk)
    assert (version, [r.team_id for r in rules]) == (2, [billing.pk])
    conversation, message = incoming(fake_account)
    route_messages([message.pk])
    conversation.refresh_from_db()
    assert (conversation.owner_id, conversation.team_id) == (accountant.pk, billing.pk)
    assert TimelineEntry.objects.get(kind="assigned").data["rule_set_version"] == 2
    third = do_delete_routing_rule(None, rule)
    assert (third.version, third.rules) == (3, [])
    assert rules_in_force(workspace.pk) == (3, ())


def test_inactive_rules_are_versioned_but_not_applied(workspace, tech):
    do_save_routing_rule(None, RoutingRuleFactory.build(workspace=workspace, team=tech, is_active=False))
    version, rules = rules_in_force(workspace.pk)
    assert (version, rules) == (1, ())
    assert RuleSetVersion.objects.get().rules[0]["is_active"] is False


def test_admin_edits_rules_and_each_save_is_a_version(client, workspace, tech):
    admin = AgentFactory(workspace=workspace, role="admin", user__is_staff=True, user__is_superuser=True)
    client.force_login(admin.user)
    form = {
        "workspace": workspace.pk,
        "name": "Störungen",
        "position": 1,
        "is_active": "on",
        "topics": "outage",
        "team": tech.pk,
        "customer_is_vip": "unknown",
        "conversation_is_public": "unknown",
    }
    response = client.post("/admin/routing/routingrule/add/", form)
    assert response.status_code == 302
    version = RuleSetVersion.objects.get()
    assert (version.version, version.created_by_id, version.rules[0]["topics"]) == (1, admin.pk, ["outage"])
    assert client.get("/admin/routing/rulesetversion/").status_code == 200


def test_routing_a_new_conversation_runs_a_fixed_number_of_queries(
    fake_account, workspace, technician, outage_rule, settings
):
    settings.ROUTING_SNAPSHOT_SECONDS = 600  # a slow machine must not expire the caches mid-test
    AgentFactory.create_batch(5, workspace=workspace)
    _, warm_message = incoming(fake_account, topic="outage")
    route_messages([warm_message.pk])  # rules and agents' teams and skills are now cached
    conversation, _ = incoming(fake_account, topic="outage", language="de")
    # savepoint; lock conversation (+ customer, channel account, workspace); annotations; other open
    # conversations on the topic; presence and capacity; claim: lock the chosen agents, count their open
    # conversations; update; timeline entry; release (the same for a batch, decision 0832)
    with assert_database_query_count(10):
        do_route_conversation(conversation.pk)
    conversation.refresh_from_db()
    assert conversation.owner_id == technician.pk


def _queries_to_route(conversations_and_messages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        route_messages([message.pk for _, message in conversations_and_messages])
    return len(context.captured_queries)


def test_routing_a_batch_costs_the_queries_of_one_conversation(
    fake_account, workspace, technician, outage_rule, settings
):
    """Routing is batched per task (decision 0832): ten new conversations cost as many queries as one
    when their outcome is the same (here: all to the one technician, same team and priority)."""
    settings.ROUTING_SNAPSHOT_SECONDS = 600
    route_messages([incoming(fake_account, topic="outage")[1].pk])  # warm the caches
    one = _queries_to_route([incoming(fake_account, topic="outage", language="de")])
    batch = [incoming(fake_account, topic="outage", language="de") for _ in range(10)]
    assert _queries_to_route(batch) == one
    for conversation, _ in batch:
        conversation.refresh_from_db()
        assert (conversation.owner_id, conversation.team_id) == (technician.pk, outage_rule.team_id)
    assert TimelineEntry.objects.filter(kind="assigned").count() == 12


def test_a_batch_balances_as_if_routed_one_by_one(fake_account, workspace, settings):
    settings.ROUTING_SNAPSHOT_SECONDS = 600
    agents = AgentFactory.create_batch(3, workspace=workspace, capacity=2)
    batch = [incoming(fake_account) for _ in range(8)]
    route_messages([message.pk for _, message in batch])
    owners = [Conversation.objects.get(pk=c.pk).owner_id for c, _ in batch]
    assert owners[:6] == [agents[0].pk, agents[1].pk, agents[2].pk] * 2
    assert owners[6:] == [None, None]  # everyone is full: they wait
    assert [kind for kind, _, _ in routing_entries(batch[0][0])] == ["assigned"]


def test_a_customer_s_second_conversation_in_the_same_batch_follows_the_first_on_its_topic(
    fake_account, mail_account, workspace, settings
):
    settings.ROUTING_SNAPSHOT_SECONDS = 600
    agents = AgentFactory.create_batch(2, workspace=workspace)
    customer = CustomerFactory(workspace=workspace)
    first = incoming(fake_account, customer=customer, topic="outage")
    second = incoming(mail_account, customer=customer, topic="outage")
    route_messages([first[1].pk, second[1].pk])
    owners = [Conversation.objects.get(pk=c.pk).owner_id for c in (first[0], second[0])]
    assert owners == [agents[0].pk, agents[0].pk]
    assert routing_entries(second[0]) == [("assigned", "sticky_topic", agents[0].pk)]


def test_admin_refuses_a_team_of_another_workspace_and_writes_no_version(client, workspace):
    admin = AgentFactory(workspace=workspace, role="admin", user__is_staff=True, user__is_superuser=True)
    foreign = TeamFactory(workspace=WorkspaceFactory(slug="andere", name="Andere"), name="Fremd")
    client.force_login(admin.user)
    response = client.post(
        "/admin/routing/routingrule/add/",
        {
            "workspace": workspace.pk,
            "name": "Falsch",
            "position": 1,
            "team": foreign.pk,
            "customer_is_vip": "unknown",
            "conversation_is_public": "unknown",
        },
    )
    assert response.status_code == 200
    assert "gehört zu einem anderen Arbeitsbereich" in response.content.decode()
    assert not RuleSetVersion.objects.exists()
    assert not RoutingRule.objects.exists()


def test_a_batch_writes_each_conversation_its_own_priority_and_sla_clocks(fake_account, agent):
    # The batch's conversations whose priority changes are written in one executemany (decision 0834):
    # each row still gets its own priority and the clocks computed from its own start.
    import datetime as dt

    from django.utils import timezone

    from resonanz.conversations.actions import sla_fields

    messages = []
    for hours_ago, urgency in ((30, "high"), (5, "low"), (1, "urgent"), (50, "normal"), (2, "high")):
        conversation, message = incoming(fake_account, urgency=urgency)
        Conversation.objects.filter(pk=conversation.pk).update(
            created_at=timezone.now() - dt.timedelta(hours=hours_ago)
        )
        messages.append(message)
    route_messages([m.pk for m in messages])
    routed = [
        Conversation.objects.select_related("channel_account", "workspace").get(pk=m.conversation_id)
        for m in messages
    ]
    assert [c.priority for c in routed] == [
        Conversation.Priority.HIGH,
        Conversation.Priority.LOW,
        Conversation.Priority.URGENT,
        Conversation.Priority.NORMAL,  # unchanged: no clocks set
        Conversation.Priority.HIGH,
    ]
    assert routed[3].first_response_due_at is None
    changed = [routed[i] for i in (0, 1, 2, 4)]
    for conversation in changed:
        expected = sla_fields(conversation)
        assert {name: getattr(conversation, name) for name in expected} == expected
    assert len({c.first_response_due_at for c in changed}) > 1  # rows with clocks of their own
