"""Screenshots of the loaded demo for the README: the inbox and one conversation of the Cologne outage.

Run `RESONANZ_SCREENSHOTS=1 .venv/bin/pytest -m e2e tests/e2e/test_screenshots.py` to refresh
docs/img/inbox.png and docs/img/conversation.png; otherwise they are written to a temporary folder, so the
suite still proves the demo renders in a browser. All names in them are invented demo data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from resonanz.conversations.models import Conversation
from resonanz.demo.content import DEMO_PASSWORD

from .pages import ConversationPage, LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_screenshots_of_the_loaded_demo(page, live_server, tmp_path):
    call_command("demo", verbosity=0)
    target = DOCS_IMG if os.environ.get("RESONANZ_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)

    inbox = LoginPage(page, live_server.url).open().log_in("demo", DEMO_PASSWORD)
    expect(inbox.rows()).to_have_count(50)
    page.screenshot(path=str(target / "inbox.png"))

    outage = (
        Conversation.objects.filter(
            messages__text__contains="Störung in Teilen von Köln",
            channel_account__config__imitates="x",
            message_count__gte=3,
        )
        .order_by("-last_message_at")
        .first()
    )
    # The README's screenshot is of the Köln outage: without it the demo lost its story, and the test says so.
    assert outage is not None, "the demo has no answered X thread of the Köln outage"
    thread = ConversationPage(page, live_server.url, outage.pk).open()
    expect(thread.page.locator('[data-delivery="sent"]').first).to_be_visible()
    # Three columns: customer, then the incident it belongs to above the thread, then the details. (The
    # incident's fragment once took the middle column and pushed the thread into the narrow right one.)
    boxes = {
        name: thread.page.locator(selector).bounding_box()
        for name, selector in (("customer", "aside.customer"), ("thread", "#thread"), ("details", "#details"))
    }
    assert all(boxes.values()), boxes
    customer, middle, details = boxes["customer"], boxes["thread"], boxes["details"]
    assert customer and middle and details
    assert customer["x"] < middle["x"] < details["x"]
    assert middle["width"] > details["width"] and middle["width"] > customer["width"]
    page.screenshot(path=str(target / "conversation.png"))

    for name in ("inbox.png", "conversation.png"):
        assert (target / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
