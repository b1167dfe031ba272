"""Browser tests of the agent workspace (issue 13): a note with an @mention lights the other agent's bell;
two customers merged and the merge undone; a sentiment corrected with one click; an X reply over 280
characters previewed as a numbered thread. Each saves a screenshot (to docs/img/ with
RESONANZ_SCREENSHOTS=1, else to a temporary folder)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from resonanz.conversations.models import Conversation
from resonanz.customers.models import CustomerMerge
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    CustomerFactory,
    IdentityFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.understanding.models import Annotation, Correction

from .pages import LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make(factory_class: Any, **fields: Any) -> Any:
    return factory_class(**fields)


@pytest.fixture
def world() -> dict[str, Any]:
    workspace = make(WorkspaceFactory)
    account = make(ChannelAccountFactory, workspace=workspace, name="Netzwelt auf X")
    customer = make(CustomerFactory, workspace=workspace, display_name="Erika Muster", city="Köln")
    make(IdentityFactory, customer=customer, handle="erika_koeln")
    conversation = make(
        ConversationFactory,
        channel_account=account,
        customer=customer,
        subject="Internet weg",
        is_public=True,
    )
    message = make(
        MessageFactory,
        conversation=conversation,
        text="Seit heute früh kein Internet in 50667 Köln, Router blinkt rot. Danke für nichts!",
        visibility="public",
        author_identity=customer.identities.get(),
    )
    Annotation.objects.create(message=message, annotator="sentiment", version="1", label="positive")
    Annotation.objects.create(message=message, annotator="language", version="1", label="de")
    mia = make(AgentFactory, workspace=workspace, display_name="Mia Kramer", initials="MK")
    ben = make(AgentFactory, workspace=workspace, display_name="Ben Otto", initials="BO")
    return {"conversation": conversation, "message": message, "mia": mia, "ben": ben, "customer": customer}


def test_a_note_with_a_mention_lights_the_other_agents_bell(browser, page, live_server, world, shots):
    ben = world["ben"]
    conversation = world["conversation"]
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    page.fill("#note-text", "Bitte übernehmen, Kunde ist verärgert ")
    page.click(f'[data-mention="{ben.user.username}"]')
    page.click("text=Notiz speichern")
    expect(page.locator(".message.note")).to_contain_text(f"@{ben.user.username}")

    other = browser.new_context(locale="de-DE", viewport={"width": 1440, "height": 900})
    bens_page = other.new_page()
    LoginPage(bens_page, live_server.url).open().log_in(ben.user.username, PASSWORD)
    expect(bens_page.locator('#bell [data-unread="1"]')).to_be_visible()
    bens_page.click("#bell a")
    expect(bens_page.locator("[data-kind=mention]")).to_contain_text("Mia Kramer hat Sie erwähnt")
    bens_page.screenshot(path=str(shots / "workspace-bell.png"))
    bens_page.click("[data-kind=mention] a")
    bens_page.wait_for_url(f"{live_server.url}/conversations/{conversation.pk}/")
    expect(bens_page.locator('#bell [data-unread="0"]')).to_be_attached()
    other.close()


def test_merge_two_customers_and_undo(page, live_server, world, shots):
    erika = world["customer"]
    twin = make(CustomerFactory, workspace=erika.workspace, display_name="E. Muster")
    make(IdentityFactory, customer=twin, kind="email", handle="erika@example.de")
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/customers/?q=Muster")
    expect(page.locator("[data-customer]")).to_have_count(2)
    page.click(f'[data-customer="{erika.pk}"] a')
    page.fill("#source-customer", str(twin.pk))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.stack button[type=submit]")
    expect(page.locator(".identities")).to_contain_text("erika@example.de")
    merge = CustomerMerge.objects.get(target=erika, source=twin)
    page.screenshot(path=str(shots / "workspace-merge.png"))
    page.click(f'[data-merge="{merge.pk}"] button')
    expect(page.locator(".identities")).not_to_contain_text("erika@example.de")
    merge.refresh_from_db()
    assert merge.undone_at is not None


def test_correct_a_sentiment_with_one_click(page, live_server, world, shots):
    conversation = world["conversation"]
    message = world["message"]
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    chip = page.locator(f'[data-annotations="{message.pk}"] [data-annotation="sentiment"]')
    expect(chip).to_have_attribute("data-value", "positive")
    chip.click()
    page.click('[data-correct="sentiment-negative"]')
    expect(
        page.locator(f'[data-annotations="{message.pk}"] [data-annotation="sentiment"]')
    ).to_have_attribute("data-value", "negative")
    page.screenshot(path=str(shots / "workspace-correction.png"))
    correction = Correction.objects.get(message=message, annotator="sentiment")
    assert (correction.label, correction.previous_label) == ("negative", "positive")


def test_an_x_reply_over_280_characters_is_previewed_as_a_thread(page, live_server, world, shots):
    conversation = world["conversation"]
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    text = (
        "Liebe Erika, danke für deine Geduld. In Teilen von Köln ist seit heute früh eine Störung, unsere "
        "Technik arbeitet daran und wir rechnen mit einer Lösung bis zum Nachmittag. Wenn dein Router danach "
        "noch rot blinkt, starte ihn bitte einmal neu und melde dich hier wieder, dann schauen wir uns deinen "
        "Anschluss im Detail an. Mehr Infos: https://status.example.de/koeln"
    )
    page.fill("#reply-text", text)
    expect(page.locator(".thread-preview li")).to_have_count(2)
    expect(page.locator(".compose-preview .counter")).to_have_class("counter over")
    expect(page.locator('.thread-preview [data-part="1"]')).to_contain_text("1/2")
    page.screenshot(path=str(shots / "workspace-x-thread.png"))
    # The draft survives a reload.
    page.reload()
    expect(page.locator("#reply-text")).to_have_value(text)
    assert Conversation.objects.get(pk=conversation.pk).message_count >= 0


def test_triage_with_the_keyboard(page, live_server, world, shots):
    conversation = world["conversation"]
    LoginPage(page, live_server.url).open().log_in(world["mia"].user.username, PASSWORD)
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.screenshot(path=str(shots / "workspace-shortcuts.png"))
    page.keyboard.press("Escape")
    expect(page.locator("#shortcut-help")).to_be_hidden()
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("j")
    expect(page.locator(f'tr[data-conversation="{conversation.pk}"]')).to_have_class(
        re.compile("kbd-current")
    )
    page.keyboard.press("o")
    page.wait_for_url(f"{live_server.url}/conversations/{conversation.pk}/")
    page.keyboard.press("n")
    expect(page.locator("#note-text")).to_be_focused()
    page.locator("body").click(position={"x": 5, "y": 800})
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.locator("body").click(position={"x": 5, "y": 800})
    page.keyboard.press("e")
    expect(page.locator("[data-status=closed]")).to_be_visible()
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
