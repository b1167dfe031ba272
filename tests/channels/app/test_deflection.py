"""Deflection in the widget and the app: matching public answers while a customer types, through the app
channel's customer API; what is shown, what is never shown, the share measured, limits and CORS."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from resonanz.channels.app import api as app_api
from resonanz.community import actions as community
from resonanz.community.models import DeflectionEvent
from resonanz.knowledge import actions as knowledge
from resonanz.knowledge.actions import ArticleInput
from resonanz.knowledge.models import Article

from .conftest import SHOP, user_headers, visitor_headers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_suggestions")]

VISIT = "a" * 32


@pytest.fixture
def knowledge_base(app_account):
    workspace = app_account.workspace
    public = knowledge.do_create_article(
        workspace,
        None,
        ArticleInput(
            title="Umzug: Ihren Anschluss mitnehmen",
            body="Melden Sie den Umzug sechs Wochen vorher, dann zieht Ihr Anschluss mit.",
            slug="umzug",
            status=Article.Status.PUBLISHED,
        ),
    )
    internal = knowledge.do_create_article(
        workspace,
        None,
        ArticleInput(
            title="Umzug intern: Kulanzregeln für Umzugskunden",
            body="Intern: bei Umzug Gutschrift bis 20 Euro.",
            slug="umzug-intern",
            status=Article.Status.PUBLISHED,
            visibility=Article.Visibility.INTERNAL,
        ),
    )
    return public, internal


def _suggestions(client, app_account, q, visit=VISIT, headers=None):
    return client.get(
        f"/api/app/{app_account.pk}/suggestions",
        {"q": q, "visit": visit, "lang": "de"},
        headers=headers or visitor_headers(),
    )


def test_the_widget_gets_public_matches_while_typing_and_the_share_is_measured(
    client, app_account, knowledge_base, agent_client
):
    public, _internal = knowledge_base
    response = _suggestions(client, app_account, "Ich ziehe um, was wird aus meinem Anschluss?")
    assert response.status_code == 200
    found = response.json()["suggestions"]
    assert [m["url"] for m in found] == [f"/hilfe/de/{public.slug}/"]  # never the internal article
    assert found[0]["title"] == "Umzug: Ihren Anschluss mitnehmen" and found[0]["kind"] == "article"
    assert (
        client.post(
            f"/api/app/{app_account.pk}/deflection",
            {"visit": VISIT, "event": "opened"},
            content_type="application/json",
            headers=visitor_headers(),
        ).status_code
        == 204
    )

    # a second customer (signed in through the app) sees the match and sends anyway
    other = "b" * 32
    assert _suggestions(
        client, app_account, "Umzug nach Köln, Anschluss mitnehmen", other, user_headers()
    ).json()["suggestions"]
    client.post(
        f"/api/app/{app_account.pk}/deflection",
        {"visit": other, "event": "asked"},
        content_type="application/json",
        headers=user_headers(),
    )
    widget = community.deflection_figures(app_account.workspace, source=DeflectionEvent.Source.WIDGET)
    assert (widget.visits_with_matches, widget.opened, widget.deflected, widget.share) == (2, 1, 1, 0.5)
    assert (
        community.deflection_figures(app_account.workspace, source=DeflectionEvent.Source.FORUM).opened == 0
    )


def test_short_unrelated_and_foreign_language_questions(client, app_account, knowledge_base):
    assert _suggestions(client, app_account, "Hallo").json()["suggestions"] == []  # too short to match
    unrelated = _suggestions(client, app_account, "Wie backe ich einen Apfelkuchen mit Zimt?").json()
    assert unrelated["suggestions"] == []
    # French: no French article, found by meaning
    french = _suggestions(client, app_account, "Je déménage, que devient mon raccordement internet ?").json()
    assert [m["url"] for m in french["suggestions"]] == ["/hilfe/de/umzug/"]
    assert not DeflectionEvent.objects.filter(visit="c" * 32).exists()


def test_bad_input_limits_and_cors(client, app_account, knowledge_base, monkeypatch):
    assert client.get(f"/api/app/{app_account.pk}/suggestions", {"q": "Umzug Anschluss"}).status_code == 401
    bad = client.post(
        f"/api/app/{app_account.pk}/deflection",
        {"visit": "<script>", "event": "opened"},
        content_type="application/json",
        headers=visitor_headers(),
    )
    assert bad.status_code == 400
    assert not DeflectionEvent.objects.exists()
    evil = _suggestions(
        client,
        app_account,
        "Umzug Anschluss",
        headers={**visitor_headers(), "Origin": "https://evil.example"},
    )
    assert evil.status_code == 403
    ok = _suggestions(
        client, app_account, "Umzug Anschluss mitnehmen", headers={**visitor_headers(), "Origin": SHOP}
    )
    assert ok["Access-Control-Allow-Origin"] == SHOP
    monkeypatch.setattr(app_api, "SUGGESTION_LOOKUPS_PER_MINUTE", 3)
    cache.clear()
    statuses = [_suggestions(client, app_account, f"Umzug Anschluss {n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
