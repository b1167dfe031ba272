"""Issue 10 item 9: a workspace admin is not a Django superuser and reaches nothing of another workspace."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from resonanz.routing.models import RoutingRule
from resonanz.testing.factories import AgentFactory, WorkspaceFactory
from resonanz.workspaces.actions import do_create_agent
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import check_perm, has_perm, is_operator

pytestmark = pytest.mark.django_db


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def two_workspaces():
    a = make(WorkspaceFactory, slug="a", name="A")
    b = make(WorkspaceFactory, slug="b", name="B")
    admin_a = do_create_agent(
        a, username="admin-a", password="geheim-123", display_name="Admin A", role="admin"
    )
    agent_b = do_create_agent(b, username="agent-b", password="geheim-123", display_name="Agent B")
    rule_b = RoutingRule.objects.create(workspace=b, name="B's rule", position=1)
    return admin_a, agent_b, rule_b


def test_a_workspace_admin_is_neither_staff_nor_superuser(two_workspaces):
    admin_a, _, _ = two_workspaces
    admin_a.user.refresh_from_db()
    assert (admin_a.user.is_staff, admin_a.user.is_superuser) == (False, False)
    assert not is_operator(admin_a.user)


def test_a_workspace_admin_cannot_enter_the_django_admin(two_workspaces):
    _admin_a, agent_b, rule_b = two_workspaces
    client = Client()
    assert client.login(username="admin-a", password="geheim-123")
    for url in (
        "/admin/",
        "/admin/auth/user/",
        f"/admin/auth/user/{agent_b.user.pk}/change/",
        f"/admin/auth/user/{agent_b.user.pk}/password/",
        "/admin/routing/routingrule/",
        f"/admin/routing/routingrule/{rule_b.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    response = client.post(
        f"/admin/auth/user/{agent_b.user.pk}/password/", {"password1": "x-1234567", "password2": "x-1234567"}
    )
    assert response.status_code == 302
    agent_b.user.refresh_from_db()
    assert agent_b.user.check_password("geheim-123")


def test_operator_is_the_only_way_into_the_django_admin(two_workspaces, capsys):
    admin_a, _, _ = two_workspaces
    call_command("operator", "admin-a")
    admin_a.user.refresh_from_db()
    assert is_operator(admin_a.user)
    client = Client()
    client.force_login(admin_a.user)
    assert client.get("/admin/").status_code == 200
    call_command("operator", "admin-a", "--revoke")
    admin_a.user.refresh_from_db()
    assert not is_operator(admin_a.user)


def test_the_admin_role_has_settings_permissions_only_in_its_own_workspace(two_workspaces):
    admin_a, agent_b, rule_b = two_workspaces
    assert has_perm(admin_a, "settings.manage")
    assert has_perm(admin_a, "settings.manage", admin_a.workspace)
    assert not has_perm(admin_a, "settings.manage", rule_b)
    assert not has_perm(admin_a, "settings.manage", agent_b)
    assert not has_perm(agent_b, "settings.manage")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Agent.Role.AGENT, {"conversations.reply", "cti.lookup", "analytics.view"}),
        (Agent.Role.LEAD, {"conversations.reply", "macros.manage", "analytics.view"}),
        (Agent.Role.ADMIN, {"conversations.reply", "settings.manage", "tokens.manage", "audit.view"}),
        (Agent.Role.MODERATOR, {"conversations.reply", "community.moderate"}),
        (Agent.Role.ANALYST, {"conversations.view", "analytics.view"}),
    ],
)
def test_roles(role, allowed):
    agent = make(AgentFactory, role=role)
    assert {name for name in allowed if has_perm(agent, name)} == allowed
    forbidden = {
        Agent.Role.AGENT: {"settings.manage", "macros.manage", "tokens.manage", "audit.view"},
        Agent.Role.LEAD: {"settings.manage", "tokens.manage"},
        Agent.Role.ADMIN: set(),
        Agent.Role.MODERATOR: {"settings.manage", "customers.merge"},
        Agent.Role.ANALYST: {"conversations.reply", "conversations.update", "settings.manage"},
    }[role]
    assert not {name for name in forbidden if has_perm(agent, name)}


def test_a_deactivated_agent_has_no_permission():
    agent = make(AgentFactory, role=Agent.Role.ADMIN, user__is_active=False)
    assert not has_perm(agent, "conversations.view")


def test_check_perm_hides_foreign_objects_as_not_found(two_workspaces):
    from resonanz.core.errors import NotFound, PermissionDenied

    admin_a, agent_b, rule_b = two_workspaces
    with pytest.raises(NotFound):
        check_perm(admin_a, "settings.manage", rule_b)
    with pytest.raises(PermissionDenied):
        check_perm(agent_b, "settings.manage", agent_b.workspace)
