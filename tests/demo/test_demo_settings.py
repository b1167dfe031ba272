"""Issue 12 item 8: the demo has a real app channel (so /widget-demo/ works) and routing rules on the real
topic slugs; its agents have skills and languages and some are online."""

from __future__ import annotations

import pytest
from django.test import Client

from resonanz.channels.models import ChannelAccount
from resonanz.demo import content
from resonanz.demo.loader import ensure_agents, ensure_app_channel, ensure_routing_rules
from resonanz.routing.models import RoutingRule, RuleSetVersion
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.understanding.models import Topic
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


def test_widget_demo_needs_an_app_channel_and_the_demo_makes_one(workspace):
    assert "Kein App-Kanal" in Client().get("/widget-demo/").content.decode()
    account = ensure_app_channel(workspace)
    assert ensure_app_channel(workspace) == account  # once
    assert (account.kind, account.name) == ("app", content.APP_CHANNEL_NAME)
    page = Client().get("/widget-demo/").content.decode()
    assert "Kein App-Kanal" not in page
    assert f'data-account="{account.pk}"' in page
    assert ChannelAccount.objects.filter(kind="app").count() == 1


def test_demo_rules_use_topic_slugs_that_exist_and_are_loaded_once(workspace):
    do_ensure_default_topics(workspace)
    ensure_agents(workspace)
    assert ensure_routing_rules(workspace) == len(content.ROUTING_RULES)
    assert ensure_routing_rules(workspace) == 0
    slugs = set(Topic.objects.filter(workspace=workspace).values_list("slug", flat=True))
    used = {s for rule in RoutingRule.objects.all() for s in rule.topics.split(",") if s}
    assert used and used <= slugs
    outage = RoutingRule.objects.get(topics="stoerung")
    assert outage.team is not None and outage.skill is not None
    assert (outage.team.name, outage.skill.name, outage.priority) == ("Technik", "Störungen", 2)
    assert RuleSetVersion.objects.filter(workspace=workspace).count() == len(content.ROUTING_RULES)


def test_demo_agents_have_skills_languages_and_some_are_online(workspace):
    ensure_agents(workspace)
    agents = Agent.objects.filter(workspace=workspace).prefetch_related("skills")
    assert all(a.skills.exists() and a.languages for a in agents)
    assert agents.filter(presence="online").count() >= 10
    demo = agents.get(user__username="demo")
    assert (demo.role, demo.user.is_staff, demo.user.is_superuser) == ("admin", False, False)
