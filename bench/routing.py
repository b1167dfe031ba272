"""Routing benchmark: 200 agents, 50 rules, a workspace with open workload; prints ONE JSON object.

    python bench/routing.py [--conversations 400] [--lookups 300]

route_ms_*: wall time of do_route_conversation end to end (lock, facts, rules, agent snapshots, decision, writes).
cti_lookup_ms_p95: GET /api/cti/lookup through Django's full request stack (token auth included).
engine_us_p50: the pure decision function alone. Uses a throwaway SQLite database unless DATABASE_URL
is set (then it must point at an empty, disposable database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOPICS = [f"topic-{i}" for i in range(25)]
AGENTS = 200
RULES = 50
TEAMS = 10
SKILLS = 20
OPEN_LOAD = 1500
CUSTOMERS = 3000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup_django() -> None:
    if not os.environ.get("RESONANZ_DATA_DIR"):
        os.environ["RESONANZ_DATA_DIR"] = tempfile.mkdtemp(prefix="rz-bench-routing-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    os.environ["RESONANZ_QUEUE"] = "eager"
    os.environ.setdefault("RESONANZ_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(rng: random.Random) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from resonanz.channels.models import ChannelAccount
    from resonanz.conversations.models import Conversation
    from resonanz.customers.models import Customer, Identity
    from resonanz.routing.actions import do_save_routing_rule
    from resonanz.routing.models import RoutingRule
    from resonanz.workspaces.actions import do_create_api_token
    from resonanz.workspaces.models import Agent, Skill, Team, Workspace

    workspace = Workspace.objects.create(name="Bench", slug=f"bench-{rng.randrange(10**9)}")
    account = ChannelAccount.objects.create(
        workspace=workspace, kind="fake", name="X", config={"imitates": "x"}
    )
    teams = Team.objects.bulk_create(
        [Team(workspace=workspace, name=f"T{i}", slug=f"t{i}") for i in range(TEAMS)]
    )
    skills = Skill.objects.bulk_create(
        [Skill(workspace=workspace, name=f"S{i}", slug=f"s{i}") for i in range(SKILLS)]
    )
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{workspace.slug}-agent-{i}") for i in range(AGENTS)]
    )
    presences = ["online"] * 14 + ["away"] * 3 + ["offline"] * 3
    agents = Agent.objects.bulk_create(
        [
            Agent(
                user=user,
                workspace=workspace,
                display_name=f"Agent {i}",
                presence=rng.choice(presences),
                capacity=rng.choice([10, 20, 30]),
                languages=["de", "en"] if i % 3 else ["de"],
            )
            for i, user in enumerate(users)
        ]
    )
    Agent.teams.through.objects.bulk_create(
        [Agent.teams.through(agent_id=a.pk, team_id=teams[i % TEAMS].pk) for i, a in enumerate(agents)]
    )
    Agent.skills.through.objects.bulk_create(
        [
            Agent.skills.through(agent_id=a.pk, skill_id=skills[(i + k) % SKILLS].pk)
            for i, a in enumerate(agents)
            for k in range(3)
        ]
    )
    for i in range(RULES):
        rule = RoutingRule(
            workspace=workspace,
            name=f"Regel {i}",
            position=i,
            topics=", ".join(rng.sample(TOPICS, 2)),
            languages="en" if i % 10 == 9 else "",
            urgencies="urgent" if i % 7 == 6 else "",
            team=teams[i % TEAMS],
            skill=skills[i % SKILLS],
            priority=2 if i % 5 == 4 else None,
        )
        do_save_routing_rule(None, rule)
    customers = Customer.objects.bulk_create(
        [Customer(workspace=workspace, display_name=f"Kunde {i}") for i in range(CUSTOMERS)]
    )
    Identity.objects.bulk_create(
        [
            Identity(workspace=workspace, customer=c, kind="phone", handle=f"+49221{1000000 + i}")
            for i, c in enumerate(customers)
        ]
    )
    now = timezone.now()
    Conversation.objects.bulk_create(
        [
            Conversation(
                workspace=workspace,
                customer=customers[i % CUSTOMERS],
                channel_account=account,
                subject="offen",
                status="open",
                owner=agents[rng.randrange(AGENTS)],
                created_at=now,
                last_message_at=now,
            )
            for i in range(OPEN_LOAD)
        ]
    )
    _, key = do_create_api_token(agents[0], "bench")
    return {"workspace": workspace, "account": account, "customers": customers, "token": key}


def new_conversations(world: dict[str, object], count: int, rng: random.Random) -> list[int]:
    from django.utils import timezone

    from resonanz.conversations.models import Conversation, Message
    from resonanz.understanding.models import Annotation

    workspace, account = world["workspace"], world["account"]
    customers = world["customers"]
    assert isinstance(customers, list)
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        [
            Conversation(
                workspace=workspace,
                customer=rng.choice(customers),
                channel_account=account,
                subject="neu",
                created_at=now,
                last_message_at=now,
            )
            for _ in range(count)
        ]
    )
    messages = Message.objects.bulk_create(
        [
            Message(
                workspace=workspace,
                conversation=c,
                channel_account=account,
                direction="in",
                text="Seit heute früh kein Internet",
                external_id=f"bench-{c.pk}",
                created_at=now,
                received_at=now,
            )
            for c in conversations
        ]
    )
    labels = []
    for m in messages:
        for annotator, label in (
            ("topic", rng.choice(TOPICS)),
            ("language", rng.choice(["de", "de", "en"])),
            ("urgency", rng.choice(["low", "normal", "high", "urgent"])),
            ("sentiment", rng.choice(["negative", "neutral", "positive"])),
        ):
            labels.append(Annotation(message=m, annotator=annotator, version="bench", label=label))
    Annotation.objects.bulk_create(labels)
    return [c.pk for c in conversations]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=400)
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    from resonanz.routing.actions import do_route_conversation
    from resonanz.routing.engine import decide
    from resonanz.routing.snapshots import agent_snapshots, conversation_facts, rules_in_force

    rng = random.Random(7)
    world = build(rng)
    ids = new_conversations(world, args.conversations, rng)
    for conversation_id in ids[:20]:  # warm-up: caches, statements
        do_route_conversation(conversation_id)
    route_ms, route_cpu_ms = [], []
    for conversation_id in ids[20:]:
        started, started_cpu = time.perf_counter(), time.process_time()
        do_route_conversation(conversation_id)
        route_ms.append((time.perf_counter() - started) * 1000)
        route_cpu_ms.append((time.process_time() - started_cpu) * 1000)

    from resonanz.conversations.models import Conversation

    workspace = world["workspace"]
    sample = Conversation.objects.select_related("customer", "channel_account").get(pk=ids[-1])
    facts = conversation_facts(sample)
    _, rules = rules_in_force(sample.workspace_id)
    agents = agent_snapshots(sample.workspace_id)
    engine_us = []
    for _ in range(500):
        started = time.perf_counter()
        decide(facts, rules, agents)
        engine_us.append((time.perf_counter() - started) * 1_000_000)

    # Baseline in the same run (the machine is shared): one trivial indexed ORM query.
    from resonanz.workspaces.models import Agent

    baseline_ms = []
    for _ in range(300):
        started = time.perf_counter()
        Agent.objects.filter(pk=agents[0].id).exists()
        baseline_ms.append((time.perf_counter() - started) * 1000)

    client = Client()
    headers = {"Authorization": f"Bearer {world['token']}"}
    customers = world["customers"]
    assert isinstance(customers, list)
    lookup_ms = []
    for i in range(args.lookups + 20):
        number = f"0221 {1000000 + rng.randrange(len(customers))}"
        started = time.perf_counter()
        response = client.get("/api/cti/lookup", {"number": number}, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content
        if i >= 20:
            lookup_ms.append(elapsed)

    print(
        json.dumps(
            {
                "route_ms_p50": round(statistics.median(route_ms), 3),
                "route_ms_p99": round(percentile(route_ms, 0.99), 3),
                "cti_lookup_ms_p95": round(percentile(lookup_ms, 0.95), 3),
                # CPU time of this process: what the routing costs without waiting for a busy machine.
                "route_cpu_ms_p50": round(statistics.median(route_cpu_ms), 3),
                "cti_lookup_ms_p50": round(statistics.median(lookup_ms), 3),
                "engine_us_p50": round(statistics.median(engine_us), 1),
                "baseline_query_ms_p50": round(statistics.median(baseline_ms), 3),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "agents": len(agents),
                "rules": len(rules),
                "open_conversations": OPEN_LOAD,
                "routed": len(route_ms),
                "database": connection.vendor,
                "workspace": getattr(workspace, "slug", ""),
            }
        )
    )


if __name__ == "__main__":
    main()
