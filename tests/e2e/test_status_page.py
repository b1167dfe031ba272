"""The public status page in a real browser: the map of Germany by federal state, no login, no script,
no policy violation; and the agent's incident page with the same map and the banner (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from resonanz.incidents.models import Announcement, Incident
from resonanz.testing.factories import PASSWORD, AgentFactory, WorkspaceFactory
from resonanz.workspaces.models import Agent

from .pages import LoginPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_status_page_shows_the_map_of_germany_by_federal_state(page, live_server, shots) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    workspace = WorkspaceFactory()
    now = timezone.now()
    incident = Incident.objects.create(
        workspace=workspace, title="Kein Internet in Köln", status="identified",
        public_text="Ein Bagger hat in Köln-Ehrenfeld ein Kabel getroffen.", cities={"Köln": 39},
        states={"Nordrhein-Westfalen": 39}, detected_at=now, first_report_at=now,
    )  # fmt: skip
    Announcement.objects.create(
        workspace=workspace, title="Wartung in Leipzig und Dresden", public_text="Heute Nacht 2–5 Uhr.",
        regions=["Leipzig", "Dresden"], starts_at=now, ends_at=now + dt.timedelta(hours=5),
    )  # fmt: skip

    page.goto(f"{live_server.url}/status/{workspace.slug}/", timeout=60_000)  # a cold live server
    svg = page.locator("figure.germany-map svg.map")
    expect(svg).to_be_visible()
    expect(svg.locator("path")).to_have_count(16)
    expect(svg.locator('path[data-state="DE-NW"]')).to_have_attribute("data-condition", "incident")
    expect(svg.locator('path[data-state="DE-SN"]')).to_have_attribute("data-condition", "maintenance")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 250  # drawn, not collapsed
    expect(page.locator(".map-states")).to_contain_text("Nordrhein-Westfalen")
    expect(page.locator("figure.germany-map")).to_contain_text("© GeoBasis-DE / BKG")
    expect(page.get_by_role("img", name="Karte Deutschlands nach Bundesländern")).to_be_visible()
    page.screenshot(path=str(shots / "status-page-map.png"), full_page=True)

    page.goto(f"{live_server.url}/status/{workspace.slug}/?lang=en")
    expect(page.locator(".map-states")).to_contain_text("Sachsen: Maintenance")
    expect(page.get_by_role("img", name="Map of Germany by federal state")).to_be_visible()

    # The agent sees the incident's states on its page, and the banner with the announcement's text.
    agent = AgentFactory(workspace=workspace, role=Agent.Role.LEAD)
    LoginPage(page, live_server.url).open().log_in(agent.user.username, PASSWORD)
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    expect(page.locator('path[data-state="DE-NW"]')).to_have_attribute("data-condition", "incident")
    expect(page.locator("#incident-banner")).to_contain_text("Heute Nacht 2–5 Uhr.")
    page.screenshot(path=str(shots / "incident-page-map.png"), full_page=True)

    assert all(url.startswith(live_server.url) for url in requests), requests  # no CDN
    assert [p for p in problems if "Content Security Policy" in p] == []


def test_a_refused_maintenance_window_comes_back_as_typed(page, live_server, shots) -> None:
    """The browser's datetime-local values reach the form; the action refuses an end before the start and
    the lead sees why, with everything still filled in (decision 0803)."""
    workspace = WorkspaceFactory()
    lead = AgentFactory(workspace=workspace, role=Agent.Role.LEAD)
    LoginPage(page, live_server.url).open().log_in(lead.user.username, PASSWORD)
    page.goto(f"{live_server.url}/incidents/")
    form = page.locator("form[action='/incidents/announcements']")
    form.locator("[name=title]").fill("Wartung in Leipzig")
    form.locator("[name=public_text]").fill("Heute Nacht kein Internet.")
    form.locator("[name=regions]").fill("Leipzig, Dresden")
    form.locator("[name=starts_at]").fill("2026-12-08T04:00")
    form.locator("[name=ends_at]").fill("2026-12-07T22:00")
    form.locator("[name=publish]").uncheck()
    form.locator("button[type=submit]").click()
    expect(page.locator("p.error")).to_contain_text("Eine Ankündigung muss nach ihrem Beginn enden")
    form = page.locator("form[action='/incidents/announcements']")
    expect(form.locator("[name=title]")).to_have_value("Wartung in Leipzig")
    expect(form.locator("[name=public_text]")).to_have_value("Heute Nacht kein Internet.")
    expect(form.locator("[name=starts_at]")).to_have_value("2026-12-08T04:00")
    expect(form.locator("[name=publish]")).not_to_be_checked()
    page.screenshot(path=str(shots / "announcement-refused.png"), full_page=True)
    form.locator("[name=ends_at]").fill("2026-12-08T06:00")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/incidents/")
    announcement = Announcement.objects.get()
    assert (announcement.title, announcement.regions) == ("Wartung in Leipzig", ["Leipzig", "Dresden"])
    assert announcement.ends_at - announcement.starts_at == dt.timedelta(hours=2)
