from __future__ import annotations

import pytest

from resonanz.routing.actions import do_save_routing_rule
from resonanz.testing.factories import AgentFactory, ChannelAccountFactory
from tests.routing.factories import RoutingRuleFactory, SkillFactory, TeamFactory


@pytest.fixture
def tech(workspace):
    return TeamFactory(workspace=workspace, name="Technik")


@pytest.fixture
def billing(workspace):
    return TeamFactory(workspace=workspace, name="Abrechnung")


@pytest.fixture
def outages(workspace):
    return SkillFactory(workspace=workspace, name="Störungen")


@pytest.fixture
def technician(workspace, tech, outages):
    agent = AgentFactory(workspace=workspace, display_name="Tom Technik", languages=["de"])
    agent.teams.set([tech])
    agent.skills.set([outages])
    return agent


@pytest.fixture
def accountant(workspace, billing):
    agent = AgentFactory(workspace=workspace, display_name="Bea Buchhaltung", languages=["de", "en"])
    agent.teams.set([billing])
    return agent


@pytest.fixture
def outage_rule(workspace, tech, outages):
    rule = RoutingRuleFactory.build(
        workspace=workspace, name="Störungen → Technik", topics="outage, devices", team=tech, skill=outages
    )
    do_save_routing_rule(None, rule)
    return rule


@pytest.fixture
def invoice_rule(workspace, billing):
    rule = RoutingRuleFactory.build(
        workspace=workspace, name="Rechnungen → Abrechnung", topics="invoice", team=billing
    )
    do_save_routing_rule(None, rule)
    return rule


@pytest.fixture
def mail_account(workspace):
    return ChannelAccountFactory(
        workspace=workspace, name="Fake Mail", config={"imitates": "email"}, is_public=False
    )
