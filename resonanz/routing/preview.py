"""Which agent would this conversation go to now? The routing decision for one conversation with the rules in
force and the agents' presence, workload, teams and skills, without writing anything."""

from __future__ import annotations

from resonanz.conversations.models import Conversation
from resonanz.routing import engine
from resonanz.routing.snapshots import agent_snapshots, conversation_facts, rules_in_force


def preview_routing(conversation: Conversation) -> tuple[int, engine.ConversationFacts, engine.Decision]:
    """(rule-set version, facts, decision); ``decision.candidates`` lists the agents best first. A
    conversation that has an owner is shown as if new, so the preview answers for the rules themselves."""
    facts = conversation_facts(conversation)
    if facts.current_owner_id is not None or facts.current_team_id is not None:
        facts = engine.ConversationFacts(
            **{
                **facts.__dict__,
                "current_owner_id": None,
                "current_team_id": None,
                "is_new": True,
                "topic_owner_id": None,
            }
        )
    version, rules = rules_in_force(conversation.workspace_id, None)
    agents = agent_snapshots(conversation.workspace_id, None)
    return version, facts, engine.decide(facts, rules, agents)
