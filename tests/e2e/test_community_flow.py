"""The community forum in a real browser: a customer asks and sees matching answers while typing
(deflection), another member answers, the asker signs in with the link from the e-mail and accepts the
answer. Screenshots go to RESONANZ_SCREENSHOTS (a folder) when set, else to a temporary folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from resonanz.community.models import Question
from resonanz.knowledge import suggest
from resonanz.knowledge.actions import ArticleInput, do_create_article
from resonanz.knowledge.models import Article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_ask_see_matches_answer_sign_in_and_accept(page, browser, live_server, agent, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_URL = live_server.url
    target = Path(os.environ.get("RESONANZ_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    suggest.forget_indexes()
    do_create_article(
        agent.workspace,
        agent,
        ArticleInput(
            title="Router blinkt rot: so beheben Sie es",
            body="Prüfen Sie das DSL-Kabel in der TAE-Dose und starten Sie den Router neu.",
            slug="router-blinkt-rot",
            status=Article.Status.PUBLISHED,
        ),
    )

    # 1. the customer asks; matching answers appear while typing
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)  # a loaded machine: the first match embeds the question
    page.goto(f"{live_server.url}/community/fragen/")
    page.locator("#nickname").fill("fragende_frieda")
    page.locator("#email").fill("frieda@example.org")
    page.locator("#title").fill("Mein Router blinkt rot, kein Internet")
    matches = page.locator("#matches .matches a")
    expect(matches.first).to_have_text("Router blinkt rot: so beheben Sie es")
    page.screenshot(path=str(target / "community-deflection.png"))
    page.locator("#body").fill("Seit heute Morgen leuchtet die Lampe rot.")
    page.get_by_role("button", name="Frage senden").click()
    expect(page.locator("h1")).to_have_text("Mein Router blinkt rot, kein Internet")
    question = Question.objects.get()

    # 2. another member answers
    helper = browser.new_context(locale="de-DE")
    other = helper.new_page()
    other.set_default_timeout(30_000)
    other.goto(f"{live_server.url}/community/{question.pk}/")
    other.get_by_role("link", name="Antworten").click()
    other.locator("#nickname").fill("helfer_hugo")
    other.locator("#body").fill("Kabel in die erste Buchse der TAE-Dose, dann Router neu starten.")
    other.get_by_role("button", name="Antworten").click()
    expect(other.locator(".answers .answer")).to_have_count(1)
    helper.close()

    # 3. the asker signs in with the link from the e-mail and accepts
    page.goto(f"{live_server.url}/community/{question.pk}/")
    expect(page.locator(".answers .answer")).to_contain_text("erste Buchse")
    page.locator("#member-login").click()
    page.locator("#email").fill("frieda@example.org")
    page.get_by_role("button", name="Anmelde-Link senden").click()
    expect(page.locator("#link-sent")).to_be_visible()
    sent = [m for m in mail.outbox if "frieda@example.org" in m.to and "Anmelde-Link" in m.subject]
    assert len(sent) == 1
    link = re.search(r"(https?://\S+/community/anmelden/\S+/)", sent[0].body)
    assert link is not None
    page.goto(link.group(1))
    page.locator("#confirm-login").click()
    page.wait_for_url(f"{live_server.url}/community/{question.pk}/")  # back where the asker signed in
    expect(page.locator(".member-bar")).to_contain_text("Angemeldet als fragende_frieda")
    page.get_by_role("button", name="✓ Als Lösung annehmen").click()
    expect(page.locator(".answer.accepted")).to_contain_text("angenommen")
    page.screenshot(path=str(target / "community-accepted.png"), full_page=True)
    question.refresh_from_db()
    assert question.accepted_answer is not None and question.status == Question.Status.ANSWERED


def test_the_widget_shows_matching_answers_while_the_customer_types(page, live_server, agent, tmp_path):
    from resonanz.community.actions import deflection_figures
    from resonanz.community.models import DeflectionEvent
    from resonanz.testing.factories import ChannelAccountFactory

    target = Path(os.environ.get("RESONANZ_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    suggest.forget_indexes()
    do_create_article(
        agent.workspace,
        agent,
        ArticleInput(
            title="Umzug: Ihren Anschluss mitnehmen",
            body="Melden Sie den Umzug sechs Wochen vorher, dann zieht Ihr Anschluss mit.",
            slug="umzug",
            status=Article.Status.PUBLISHED,
        ),
    )
    account = ChannelAccountFactory(
        workspace=agent.workspace, kind="app", name="App", is_public=False, config={}
    )
    page.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    page.goto(f"{live_server.url}/widget-demo/?account={account.pk}")
    page.locator(".rz-launcher").click()
    page.locator(".rz-compose textarea").fill(
        "Ich ziehe nächsten Monat um, was passiert mit meinem Anschluss?"
    )
    match = page.locator(".rz-matches a.rz-match")
    expect(match).to_have_text("Umzug: Ihren Anschluss mitnehmen")
    assert match.get_attribute("href") == f"{live_server.url}/hilfe/de/umzug/"
    page.screenshot(path=str(target / "widget-deflection.png"))
    with (
        page.expect_response(lambda r: r.url.endswith("/deflection") and r.request.method == "POST") as sent,
        page.context.expect_page() as opened,
    ):
        match.click()
    assert sent.value.status == 204  # the widget reported the opening
    expect(opened.value.locator("h1")).to_contain_text("Umzug")
    figures = deflection_figures(agent.workspace, source=DeflectionEvent.Source.WIDGET)
    assert (figures.visits_with_matches, figures.opened, figures.deflected) == (1, 1, 1)
