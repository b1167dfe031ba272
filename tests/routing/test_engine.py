"""The pure routing function, table-driven: facts + rules + agents → decision."""

from __future__ import annotations

import pytest

from resonanz.routing.engine import (
    AgentSnapshot,
    ConversationFacts,
    Decision,
    Rule,
    base_priority,
    decide,
)

TECH, BILLING = 10, 20  # team ids
OUTAGES, INVOICES = 100, 200  # skill ids

RULES = (
    Rule(
        id=1,
        name="Störungen → Technik",
        topics=frozenset({"outage", "devices"}),
        team_id=TECH,
        skill_id=OUTAGES,
    ),
    Rule(
        id=2,
        name="Rechnungen → Abrechnung",
        topics=frozenset({"invoice"}),
        team_id=BILLING,
        skill_id=INVOICES,
    ),
    Rule(id=3, name="VIP dringend", customer_is_vip=True, priority=3),
    Rule(id=4, name="Sensibel privat", sensitivities=frozenset({"private"}), move_private=True, stop=True),
    Rule(id=5, name="nach Stopp", team_id=BILLING),
)


def agent(
    agent_id,
    presence="online",
    open_count=0,
    capacity=10,
    teams=(TECH,),
    skills=(OUTAGES,),
    languages=("de",),
):
    return AgentSnapshot(
        id=agent_id,
        presence=presence,
        open_count=open_count,
        capacity=capacity,
        team_ids=frozenset(teams),
        skill_ids=frozenset(skills),
        languages=frozenset(languages),
    )


def facts(**overrides):
    return ConversationFacts(conversation_id=1, **overrides)


ANNA = agent(1, open_count=3)
BEN = agent(2, open_count=1)
CARLA_AWAY = agent(3, presence="away", open_count=0)
DIRK_OFFLINE = agent(4, presence="offline", open_count=0)
EMMA_BILLING = agent(5, open_count=0, teams=(BILLING,), skills=(INVOICES,), languages=("de", "en"))
FULL = agent(6, open_count=10, capacity=10)
TEAM = (ANNA, BEN, CARLA_AWAY, DIRK_OFFLINE, EMMA_BILLING, FULL)


@pytest.mark.parametrize(
    ("case", "given", "agents", "expected"),
    [
        (
            "outage goes to the least loaded online technician",
            facts(topic="outage", language="de"),
            TEAM,
            Decision(
                owner_id=2,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "invoice goes to billing",
            facts(topic="invoice"),
            TEAM,
            Decision(
                owner_id=5,
                team_id=BILLING,
                skill_id=INVOICES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(2, 5),
            ),
        ),
        (
            "English needs an English speaker: nobody in tech speaks it",
            facts(topic="outage", language="en"),
            TEAM,
            Decision(
                owner_id=None,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="no_agent",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "no topic: any online agent, the least loaded share of capacity",
            facts(),
            (ANNA, BEN, EMMA_BILLING),
            Decision(
                owner_id=5,
                team_id=BILLING,
                skill_id=None,
                priority=1,
                reason="balanced",
                matched_rule_ids=(5,),
            ),
        ),
        (
            "load is a share of capacity, not a count",
            facts(topic="outage"),
            (agent(7, open_count=4, capacity=20), agent(8, open_count=3, capacity=5)),
            Decision(
                owner_id=7,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "equal load: the lower id wins (stable)",
            facts(topic="outage"),
            (agent(9, open_count=2), agent(8, open_count=2)),
            Decision(
                owner_id=8,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "away, offline and full agents get no new conversations",
            facts(topic="outage"),
            (CARLA_AWAY, DIRK_OFFLINE, FULL),
            Decision(
                owner_id=None,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="no_agent",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "VIP raises the priority to urgent by rule",
            facts(topic="outage", customer_is_vip=True),
            TEAM,
            Decision(
                owner_id=2,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=3,
                reason="balanced",
                matched_rule_ids=(1, 3, 5),
            ),
        ),
        (
            "sensitive public conversation is moved private; the stop rule ends evaluation",
            facts(topic="invoice", sensitivity="private", is_public=True),
            TEAM,
            Decision(
                owner_id=5,
                team_id=BILLING,
                skill_id=INVOICES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(2, 4),
                move_private=True,
            ),
        ),
        (
            "a private conversation is never 'moved private'",
            facts(topic="invoice", sensitivity="private", is_public=False),
            TEAM,
            Decision(
                owner_id=5,
                team_id=BILLING,
                skill_id=INVOICES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(2, 4),
            ),
        ),
        (
            "follow-up: the online owner keeps it although someone is less loaded",
            facts(topic="outage", current_owner_id=1, current_team_id=TECH, current_priority=2, is_new=False),
            TEAM,
            Decision(
                owner_id=1,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=2,
                reason="sticky_owner",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "reopened: an away owner keeps it",
            facts(topic="outage", current_owner_id=3, is_new=False),
            TEAM,
            Decision(
                owner_id=3,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="sticky_owner",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "sticky owner keeps it over capacity (one-hand beats balancing)",
            facts(topic="outage", current_owner_id=6, is_new=False),
            TEAM,
            Decision(
                owner_id=6,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="sticky_owner",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "offline owner: transferred to the least loaded",
            facts(topic="outage", current_owner_id=4, current_team_id=TECH, is_new=False),
            TEAM,
            Decision(
                owner_id=2,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="owner_unavailable",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "offline owner and nobody else: the owner keeps it",
            facts(topic="outage", current_owner_id=4, is_new=False),
            (DIRK_OFFLINE, CARLA_AWAY),
            Decision(
                owner_id=4,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="kept_no_agent",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "new conversation on the same topic goes to the owner of the other one",
            facts(topic="outage", topic_owner_id=1),
            TEAM,
            Decision(
                owner_id=1,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="sticky_topic",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "topic owner offline: balanced instead",
            facts(topic="outage", topic_owner_id=4),
            TEAM,
            Decision(
                owner_id=2,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="balanced",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "unknown owner id (agent deleted): balanced",
            facts(topic="outage", current_owner_id=99, is_new=False),
            TEAM,
            Decision(
                owner_id=2,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="owner_unavailable",
                matched_rule_ids=(1, 5),
            ),
        ),
        (
            "no agents at all",
            facts(topic="outage"),
            (),
            Decision(
                owner_id=None,
                team_id=TECH,
                skill_id=OUTAGES,
                priority=1,
                reason="no_agent",
                matched_rule_ids=(1, 5),
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_decide(case, given, agents, expected):
    assert decide(given, RULES, agents) == expected


def test_candidates_are_ranked_best_first():
    decision = decide(facts(topic="outage"), RULES, TEAM)
    assert decision.candidates == (2, 1)


def test_follow_up_keeps_the_team_an_agent_set_and_never_lowers_priority():
    given = facts(topic="invoice", current_owner_id=1, current_team_id=TECH, current_priority=3, is_new=False)
    decision = decide(given, RULES, TEAM)
    assert (decision.owner_id, decision.team_id, decision.priority) == (1, TECH, 3)


def test_rules_are_evaluated_in_the_given_order_first_team_wins():
    rules = (Rule(id=1, team_id=BILLING), Rule(id=2, team_id=TECH, priority=2))
    decision = decide(facts(), rules, (EMMA_BILLING,))
    assert (decision.team_id, decision.priority, decision.matched_rule_ids) == (BILLING, 2, (1, 2))


def test_agents_without_languages_take_any_language():
    decision = decide(facts(language="tr"), (), (agent(1, languages=()),))
    assert decision.owner_id == 1


@pytest.mark.parametrize(
    ("urgency", "sentiment", "vip", "expected"),
    [
        ("", "", False, 1),
        ("low", "", False, 0),
        ("normal", "neutral", False, 1),
        ("high", "", False, 2),
        ("urgent", "", False, 3),
        ("low", "negative", False, 1),
        ("normal", "negative", False, 2),
        ("high", "negative", False, 2),
        ("urgent", "negative", False, 3),
        ("normal", "", True, 2),
        ("normal", "negative", True, 3),
        ("urgent", "positive", True, 3),
        ("low", "positive", True, 1),
        ("bogus", "bogus", False, 1),
    ],
)
def test_base_priority(urgency, sentiment, vip, expected):
    assert base_priority(facts(urgency=urgency, sentiment=sentiment, customer_is_vip=vip)) == expected


@pytest.mark.parametrize(
    ("rule", "given", "matches"),
    [
        (Rule(id=1), facts(), True),
        (Rule(id=1, topics=frozenset({"outage"})), facts(topic=""), False),
        (Rule(id=1, languages=frozenset({"en"})), facts(language="en"), True),
        (Rule(id=1, channel_kinds=frozenset({"x", "facebook"})), facts(channel_kind="email"), False),
        (Rule(id=1, urgencies=frozenset({"urgent"})), facts(urgency="urgent"), True),
        (Rule(id=1, sentiments=frozenset({"negative"})), facts(sentiment="positive"), False),
        (Rule(id=1, regions=frozenset({"bayern"})), facts(region="bayern"), True),
        (Rule(id=1, customer_is_vip=False), facts(customer_is_vip=True), False),
        (Rule(id=1, conversation_is_public=True), facts(is_public=True), True),
        (
            Rule(id=1, topics=frozenset({"outage"}), languages=frozenset({"de"})),
            facts(topic="outage", language="en"),
            False,
        ),
    ],
)
def test_rule_matching(rule, given, matches):
    assert rule.matches(given) is matches
