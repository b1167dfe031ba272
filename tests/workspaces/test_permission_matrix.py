"""The permission matrix, generated from the URL configuration: every view and API endpoint × every role ×
an object of the agent's own workspace and one of another workspace, with the expected status.

A route that is not in MATRIX fails `test_every_route_has_an_entry`: adding an endpoint means stating who may
use it. Expected statuses: a role that is allowed gets neither 401, 403 nor 404 on its own workspace's
object (a 400/409/422 of the action itself is fine: the permission let it through) and 404 on another
workspace's; a role that is not allowed gets `denied` (403, or 404 where the page hides that it exists).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from ninja.operation import PathView

from resonanz.conversations.models import Macro, Message, SlaPolicy
from resonanz.customers.models import CustomerMerge, MatchSuggestion
from resonanz.incidents.models import Incident
from resonanz.knowledge.actions import ArticleInput, do_create_article
from resonanz.routing.models import RoutingRule
from resonanz.testing.factories import (
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.workspaces.actions import do_create_api_token, do_ensure_team
from resonanz.workspaces.models import Agent


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


MD5_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
ALL = frozenset(Agent.Role.values)
WORKERS = ALL - {"analyst"}
LEADS = frozenset({"lead", "admin"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Entry:
    # Roles allowed; None: not an agent endpoint (public, customer API, signed webhook), no role runs.
    allowed: frozenset[str] | None
    body: dict[str, Any] | None = None
    query: str = ""
    # The path names an object of a workspace, so the foreign run applies.
    foreign: bool = True
    denied: int = 403
    why_public: str = ""
    form: dict[str, Any] = field(default_factory=dict)


def public(why: str) -> Entry:
    return Entry(None, why_public=why)


MATRIX: dict[str, Entry] = {
    # --- the agent API -----------------------------------------------------------------------------------
    "GET /api/conversations": Entry(ALL, foreign=False),
    "GET /api/conversations/{conversation_id}": Entry(ALL),
    "GET /api/conversations/{conversation_id}/messages": Entry(ALL),
    "POST /api/conversations/{conversation_id}/replies": Entry(WORKERS, body={"text": "Wir prüfen das."}),
    "POST /api/conversations/{conversation_id}/status": Entry(WORKERS, body={"status": "pending"}),
    "POST /api/conversations/{conversation_id}/notes": Entry(WORKERS, body={"text": "intern"}),
    "POST /api/conversations/{conversation_id}/transfer": Entry(WORKERS, body={"agent_id": "{agent_id}"}),
    "POST /api/conversations/{conversation_id}/move-private": Entry(WORKERS),
    "POST /api/conversations/{conversation_id}/call-notes": Entry(WORKERS, body={"text": "Rückruf"}),
    "POST /api/conversations/{conversation_id}/messages/{message_id}/retry": Entry(WORKERS, query="outbound"),
    "GET /api/agents/me": Entry(ALL, foreign=False),
    "PATCH /api/agents/me": Entry(ALL, body={"initials": "XY"}, foreign=False),
    "GET /api/agents/me/presence": Entry(ALL, foreign=False),
    "POST /api/agents/me/presence": Entry(WORKERS, body={"presence": "away"}, foreign=False),
    "POST /api/address-changes/{message_id}/confirm": Entry(WORKERS),
    "POST /api/facebook/messages/{message_id}/hide": Entry(WORKERS),
    "GET /api/cti/lookup": Entry(WORKERS, query="number=0221%201234567", foreign=False),
    "GET /api/incidents": Entry(ALL, foreign=False),
    "GET /api/incidents/{incident_id}": Entry(ALL),
    "POST /api/incidents/{incident_id}/confirm": Entry(WORKERS),
    "POST /api/incidents/{incident_id}/dismiss": Entry(WORKERS),
    "POST /api/incidents/{incident_id}/merge": Entry(WORKERS, body={"other_id": "{incident_id}"}),
    "POST /api/incidents/{incident_id}/rename": Entry(WORKERS, body={"title": "Köln", "public_title": ""}),
    "POST /api/incidents/{incident_id}/split": Entry(
        WORKERS, body={"conversation_ids": ["{conversation_id}"], "title": "Bonn"}
    ),
    "GET /api/customers/{customer_id}": Entry(ALL),
    "GET /api/customers/{customer_id}/history": Entry(ALL),
    "GET /api/customers/{customer_id}/suggestions": Entry(ALL),
    "POST /api/customers/{customer_id}/merge": Entry(
        ALL - {"analyst", "moderator"}, body={"source_customer_id": "{other_customer_id}"}
    ),
    "POST /api/customers/merges/{merge_id}/undo": Entry(ALL - {"analyst", "moderator"}),
    "POST /api/customers/suggestions/{suggestion_id}/accept": Entry(ALL - {"analyst", "moderator"}),
    "POST /api/customers/suggestions/{suggestion_id}/reject": Entry(ALL - {"analyst", "moderator"}),
    "GET /api/macros": Entry(ALL, foreign=False),
    "POST /api/macros": Entry(LEADS, body={"name": "Neu", "language": "de", "text": "Hallo"}, foreign=False),
    "POST /api/macros/{macro_id}/render": Entry(WORKERS, query="conversation={conversation_id}"),
    "GET /api/notifications": Entry(ALL, foreign=False),
    "GET /api/analytics/response-rate": Entry(ALL, foreign=False),
    "GET /api/understanding/messages/{message_id}/annotations": Entry(ALL),
    "POST /api/understanding/messages/{message_id}/annotations/{annotator}": Entry(
        WORKERS, body={"label": "outage"}
    ),
    "GET /api/understanding/topics": Entry(ALL, foreign=False),
    # --- not agent endpoints -----------------------------------------------------------------------------
    "GET /api/openapi.json": public("the API description"),
    "GET /api/docs": public("the API description"),
    "GET /api": public("the API root"),
    "POST /api/channels/{account_id}/events": public("signed webhook or an ingest-scoped token"),
    "GET /api/channels/{account_id}/events": public("a platform's verification handshake"),
    "GET /api/app/openapi.json": public("the customer API description"),
    "GET /api/app/docs": public("the customer API description"),
    "GET /api/app": public("the customer API root"),
    "GET /api/app/{account_id}/conversations": public("customer API: app user token or visitor"),
    "POST /api/app/{account_id}/conversations": public("customer API: app user token or visitor"),
    "OPTIONS /api/app/{account_id}/conversations": public("customer API: CORS preflight"),
    "GET /api/app/{account_id}/conversations/{conversation_id}/messages": public("customer API"),
    "POST /api/app/{account_id}/conversations/{conversation_id}/messages": public("customer API"),
    "OPTIONS /api/app/{account_id}/conversations/{conversation_id}/messages": public("customer API"),
    "POST /api/app/{account_id}/problems": public("customer API"),
    "GET /api/app/{account_id}/suggestions": public("customer API: matching public answers (deflection)"),
    "OPTIONS /api/app/{account_id}/suggestions": public("customer API: CORS preflight"),
    "POST /api/app/{account_id}/deflection": public("customer API: a match opened, or asked anyway"),
    "OPTIONS /api/app/{account_id}/deflection": public("customer API: CORS preflight"),
    "OPTIONS /api/app/{account_id}/problems": public("customer API"),
    "POST /api/app/{account_id}/address-changes": public("customer API"),
    "OPTIONS /api/app/{account_id}/address-changes": public("customer API"),
    "GET /widget/{name}": public("the widget's static files"),
    "GET /widget-demo": public("the widget demo page"),
    "GET /healthz": public("health check"),
    "GET /login": public("the login page"),
    "POST /logout": public("logging out"),
    "POST /language": public("choosing the UI language"),
    "GET /setup": public("the first-run setup: only while no agent exists, then 404"),
    "GET /invite/{uidb64}/{token}": public("an invited agent sets a password with the one-time link"),
    # --- the agent UI ------------------------------------------------------------------------------------
    "GET /": Entry(ALL, foreign=False),
    "GET /conversations/{conversation_id}": Entry(ALL),
    "GET /conversations/{conversation_id}/details": Entry(ALL),
    "POST /conversations/{conversation_id}/reply": Entry(WORKERS, form={"text": "Wir prüfen das."}),
    "POST /conversations/{conversation_id}/status": Entry(WORKERS, form={"status": "pending"}),
    "GET /conversations/{conversation_id}/messages/{message_id}/delivery": Entry(ALL, query="outbound"),
    "POST /conversations/{conversation_id}/messages/{message_id}/delivery/retry": Entry(
        WORKERS, query="outbound"
    ),
    "POST /conversations/{conversation_id}/messages/{message_id}/relevance": Entry(
        WORKERS, form={"relevant": "false"}
    ),
    # --- knowledge, community, incidents -------------------------------------------------------------------
    "GET /conversations/{conversation_id}/suggestions": Entry(ALL),
    "GET /conversations/{conversation_id}/suggestions/{item_id}/insert": Entry(WORKERS),
    "POST /conversations/{conversation_id}/draft-article": Entry(WORKERS),
    "GET /wissen": Entry(ALL, foreign=False),
    "GET /wissen/neu": Entry(WORKERS, foreign=False),
    "GET /wissen/{article_id}": Entry(WORKERS),
    "GET /wissen/{article_id}/diff": Entry(ALL, query="from=1&to=1"),
    "GET /community/moderation": Entry(frozenset({"moderator", "lead", "admin"}), foreign=False),
    "GET /incidents": Entry(ALL, foreign=False),
    "GET /incidents/banner": Entry(ALL, foreign=False),
    "POST /incidents/announcements": Entry(LEADS, foreign=False),
    "GET /incidents/{incident_id}": Entry(ALL),
    "POST /incidents/{incident_id}/action": Entry(WORKERS, form={"action": "note", "internal_note": "x"}),
    # Shows the incident a conversation belongs to, and nothing for one without (a foreign one included).
    "GET /conversations/{conversation_id}/incident": Entry(ALL, foreign=False),
    "GET /community": public("the public forum"),
    "GET /community/fragen": public("customers ask a question"),
    "GET /community/treffer": public("answers that match a question being typed (deflection)"),
    "GET /community/weiter": public("a customer opens a matching answer (deflection is measured)"),
    "GET /community/{question_id}": public("a public forum question"),
    "POST /community/{question_id}/antworten": public("customers answer each other"),
    "POST /community/{question_id}/stimme/{answer_id}": public("signed-in members vote (else: sign in)"),
    "POST /community/{question_id}/annehmen/{answer_id}": public("the signed-in asker accepts an answer"),
    "POST /community/{question_id}/moderieren": public("signed-in community moderators (members) moderate"),
    "GET /community/anmelden": public("members ask for a sign-in link by e-mail"),
    "GET /community/anmelden/{token}": public("a member's sign-in link (a button; POST signs in)"),
    "POST /community/abmelden": public("a member signs out"),
    "GET /hilfe/{language}": public("the public help centre"),
    "GET /hilfe/{language}/{slug}": public("a public help article"),
    "POST /hilfe/{language}/{slug}/feedback": public("'did this help?' from anyone"),
    "GET /status/{slug}": public("the public status page"),
    "GET /status/{slug}/feed.atom": public("the status page's Atom feed"),
    "GET /status/{slug}/status.json": public("the status page as JSON"),
    "GET /dev": Entry(ADMINS, foreign=False, denied=404),
    "GET /dev/components": Entry(ADMINS, foreign=False),
    "POST /presence": Entry(WORKERS, form={"presence": "away"}, foreign=False),
    "GET /team": Entry(LEADS, foreign=False),
    # --- the agent workspace (issue 13) -------------------------------------------------------------------
    "POST /conversations/{conversation_id}/note": Entry(WORKERS, form={"text": "intern"}),
    "POST /conversations/{conversation_id}/call-note": Entry(WORKERS, form={"text": "Rückruf"}),
    "POST /conversations/{conversation_id}/transfer": Entry(WORKERS, form={"to": "agent:0"}),
    "POST /conversations/{conversation_id}/priority": Entry(WORKERS, form={"priority": "2"}),
    "POST /conversations/{conversation_id}/move-private": Entry(WORKERS),
    "POST /conversations/{conversation_id}/messages/{message_id}/annotations/{annotator}": Entry(
        WORKERS, form={"label": "outage"}
    ),
    "GET /conversations/{conversation_id}/macros": Entry(WORKERS, query="q=Gr"),
    "GET /conversations/{conversation_id}/macros/{macro_id}": Entry(WORKERS),
    "GET /conversations/{conversation_id}/compose-preview": Entry(WORKERS, query="text=Hallo"),
    "GET /customers": Entry(ALL, foreign=False, query="q=Kund"),
    "GET /customers/{customer_id}": Entry(ALL),
    "POST /customers/{customer_id}/merge": Entry(
        ALL - {"analyst", "moderator"}, form={"source_customer_id": "0"}
    ),
    "POST /customers/merges/{merge_id}/undo": Entry(ALL - {"analyst", "moderator"}),
    "POST /customers/suggestions/{suggestion_id}/decide": Entry(
        ALL - {"analyst", "moderator"}, form={"decision": "reject"}
    ),
    "GET /inbox/updates": Entry(ALL, foreign=False),
    "POST /inbox/bulk": Entry(WORKERS, form={"action": "status", "status": "pending"}, foreign=False),
    "GET /notifications": Entry(ALL, foreign=False),
    "GET /notifications/bell": Entry(ALL, foreign=False),
    "GET /notifications/open": Entry(ALL, foreign=False, query="id=1"),
    "POST /notifications/read": Entry(ALL, foreign=False),
    # --- the settings area -------------------------------------------------------------------------------
    "GET /settings": Entry(ADMINS, foreign=False),
    "GET /settings/channels": Entry(ADMINS, foreign=False),
    "GET /settings/channels/add/{kind}": Entry(ADMINS, foreign=False),
    "GET /settings/channels/{account_id}": Entry(ADMINS),
    "POST /settings/channels/{account_id}/action": Entry(ADMINS, form={"action": "test"}),
    "GET /settings/agents": Entry(ADMINS, foreign=False),
    "GET /settings/agents/{agent_id}": Entry(ADMINS),
    "GET /settings/tokens": Entry(ADMINS, foreign=False),
    "POST /settings/tokens/{token_id}/revoke": Entry(ADMINS),
    "GET /settings/audit": Entry(ADMINS, foreign=False),
    "GET /settings/workspace": Entry(ADMINS, foreign=False),
    "GET /settings/routing": Entry(ADMINS, foreign=False),
    "GET /settings/topics": Entry(ADMINS, foreign=False),
    "GET /settings/macros": Entry(LEADS, foreign=False),
    "POST /settings/macros/{macro_id}/delete": Entry(LEADS),
    "GET /settings/sla": Entry(ADMINS, foreign=False),
    "POST /settings/sla/{policy_id}/delete": Entry(ADMINS),
    "POST /settings/routing/{rule_id}/delete": Entry(ADMINS),
}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) == "admin/":
                continue  # the Django admin: operators only (test_roles.py)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _methods(pattern: URLPattern) -> set[str]:
    callback = pattern.callback
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return {m for op in cell.cell_contents.operations for m in op.methods}
    names = {
        "LogoutView": {"POST"},
        "set_language": {"POST"},
        "reply": {"POST"},
        "delivery_retry": {"POST"},
        "draft_article": {"POST"},
        "incident_action": {"POST"},
        "announcement_create": {"POST"},
        "answer": {"POST"},
        "vote": {"POST"},
        "accept": {"POST"},
        "member_moderate": {"POST"},
        "member_logout": {"POST"},
        "help_feedback": {"POST"},
        "mark_relevance": {"POST"},
        "change_status": {"POST"},
        "channel_action": {"POST"},
        "token_revoke": {"POST"},
        "presence": {"POST"},
        "routing_delete": {"POST"},
        "macro_delete": {"POST"},
        "sla_delete": {"POST"},
        "add_note": {"POST"},
        "add_call_note": {"POST"},
        "transfer": {"POST"},
        "set_priority": {"POST"},
        "move_private": {"POST"},
        "correct_annotation": {"POST"},
        "mark_read": {"POST"},
        "bulk": {"POST"},
        "merge": {"POST"},
        "undo_merge": {"POST"},
        "decide_suggestion": {"POST"},
    }
    view_name = getattr(getattr(callback, "view_class", None), "__name__", "") or getattr(
        callback, "__name__", ""
    )
    return names.get(view_name, {"GET"})


def routes() -> set[str]:
    from resonanz.workspaces.api_permissions import route_key

    found = set()
    for route, pattern in _walk(get_resolver().url_patterns):
        for method in _methods(pattern):
            found.add(route_key(method, route).rstrip("/") or f"{method} /")
    return {key if not key.endswith(" ") else key + "/" for key in found}


def test_every_route_has_an_entry():
    found = routes()
    assert found - set(MATRIX) == set(), "routes without a permission-matrix entry"
    assert set(MATRIX) - found == set(), "matrix entries for routes that do not exist"


def test_every_agent_api_route_declares_its_permission():
    from resonanz.workspaces.api_permissions import API_PERMISSIONS

    agent_api = {key for key, entry in MATRIX.items() if key.split()[1].startswith("/api/") and entry.allowed}
    assert agent_api == set(API_PERMISSIONS)


@dataclass
class World:
    """One workspace's objects, by the path parameter names."""

    ids: dict[str, int]


def _world(slug: str) -> World:
    workspace = make(WorkspaceFactory, slug=slug, name=slug.title())
    account = make(ChannelAccountFactory, workspace=workspace)
    customer = make(CustomerFactory, workspace=workspace)
    other = make(CustomerFactory, workspace=workspace)
    conversation = make(ConversationFactory, channel_account=account, customer=customer)
    message = make(MessageFactory, conversation=conversation)
    outbound = make(
        MessageFactory, conversation=conversation, direction=Message.Direction.OUTBOUND, external_id=""
    )
    macro = Macro.objects.create(
        workspace=workspace, name="Gruß", language="de", text="Hallo {customer_name}"
    )
    merge = CustomerMerge.objects.create(workspace=workspace, target=customer, source=other)
    suggestion = MatchSuggestion.objects.create(
        workspace=workspace, customer=customer, candidate=other, reason="same_email", confidence=0.9
    )
    colleague = make(AgentFactory, workspace=workspace, role="agent")
    rule = RoutingRule.objects.create(workspace=workspace, name="Regel", position=1)
    policy = SlaPolicy.objects.create(
        workspace=workspace, channel_kind="x", priority=1, first_response_minutes=60, resolution_minutes=600
    )
    team = do_ensure_team(workspace, "Technik")
    token, _ = do_create_api_token(colleague, "Telefon")
    incident = Incident.objects.create(workspace=workspace, title="Störung in Köln")
    article = do_create_article(workspace, None, ArticleInput(title="Router", body="Neu starten."))
    return World(
        {
            "workspace": workspace.pk,
            "account_id": account.pk,
            "channel_id": account.pk,
            "customer_id": customer.pk,
            "other_customer_id": other.pk,
            "conversation_id": conversation.pk,
            "message_id": message.pk,
            "outbound_id": outbound.pk,
            "macro_id": macro.pk,
            "merge_id": merge.pk,
            "suggestion_id": suggestion.pk,
            "agent_id": colleague.pk,
            "rule_id": rule.pk,
            "policy_id": policy.pk,
            "team_id": team.pk,
            "token_id": token.pk,
            "incident_id": incident.pk,
            "article_id": article.pk,
            "item_id": 0,
            "annotator": 0,
            "kind": 0,
        }
    )


def _fill(template: str, world: World, entry: Entry) -> str:
    ids = dict(world.ids)
    if entry.query == "outbound":
        ids["message_id"] = ids["outbound_id"]
    filled = template
    for name, value in ids.items():
        text = {"annotator": "topic", "kind": "webhook"}.get(name, str(value))
        filled = filled.replace("{" + name + "}", text)
    return filled


def _request(client: Client, key: str, entry: Entry, world: World, own: World) -> int:
    method, template = key.split(" ", 1)
    path = _fill(template, world, entry)
    try:
        resolve(path)
    except Resolver404:
        path += "/"
    if entry.query and entry.query != "outbound":
        path += "?" + _fill(entry.query, world, entry)
    if entry.body is not None:
        body = json.loads(_fill(json.dumps(entry.body), own, entry).replace('"{', "").replace('}"', ""))
        body = {k: int(v) if isinstance(v, str) and v.isdigit() else v for k, v in body.items()}
        response = client.generic(method, path, json.dumps(body), content_type="application/json")
    elif method == "POST":
        response = client.post(path, entry.form)
    else:
        response = client.generic(method, path)
    return response.status_code


@pytest.fixture(scope="module")
def _module_worlds(django_db_setup, django_db_blocker) -> Iterator[tuple[World, World]]:
    """The two workspaces, built once per module inside an outer transaction (each test's own transaction
    is a savepoint in it and rolls back to these objects), as Django's ``setUpTestData`` does: the ~1,000
    cases below would otherwise spend a third of their time building the same two workspaces."""
    # The per-test settings (conftest.py's autouse fixture: the tests' encryption keys) are not in force yet
    # at module scope: the channel accounts' secrets must be encrypted with the keys the tests decrypt with.
    keys = os.environ["RESONANZ_ENCRYPTION_KEYS"].split(",")
    with (
        django_db_blocker.unblock(),
        override_settings(ENCRYPTION_KEYS=keys, PASSWORD_HASHERS=[MD5_HASHER]),
        transaction.atomic(),
    ):
        yield _world("eigen"), _world("fremd")
        transaction.set_rollback(True)


@pytest.fixture
def worlds(_module_worlds, db) -> tuple[World, World]:
    return _module_worlds


AGENT_ENTRIES = sorted(key for key, entry in MATRIX.items() if entry.allowed is not None)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("key", AGENT_ENTRIES)
def test_permission_matrix(worlds, key, role, django_capture_on_commit_callbacks):
    own, foreign = worlds
    entry = MATRIX[key]
    assert entry.allowed is not None
    agent = make(AgentFactory, workspace_id=own.ids["workspace"], role=role)
    client = Client()
    client.force_login(agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        if entry.foreign:
            status = _request(client, key, entry, foreign, own)
            assert status == (404 if role in entry.allowed else entry.denied), f"{role} on a foreign object"
        status = _request(client, key, entry, own, own)
    if role in entry.allowed:
        assert status not in (401, 403, 404) and status < 500, f"{role} on its own object: {status}"
    else:
        assert status == entry.denied, f"{role} on its own object: {status}"


@pytest.mark.parametrize("key", AGENT_ENTRIES)
def test_anonymous_gets_no_agent_endpoint(worlds, key, client):
    own, _ = worlds
    status = _request(client, key, MATRIX[key], own, own)
    assert status in (401, 302), status
