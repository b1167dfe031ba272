"""Browser tests: Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    # The live server binds to the loopback address only.
    os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium (/usr/bin/chromium) is not installed")
    # Import the URLconf (and the views' libraries: scikit-learn takes seconds on a busy machine) before
    # the first page load, so a test's first navigation does not run into the browser's timeout.
    from django.urls import get_resolver

    assert get_resolver().url_patterns
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's async-safety check would then
    # refuse the tests' own ORM calls. Allowed only while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    # German UI, as a German agent's browser asks for it; a viewport like a laptop's.
    context = browser.new_context(locale="de-DE", viewport={"width": 1440, "height": 900})
    context.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)  # assertions wait as long as actions (a busy machine, cold models)
    opened = context.new_page()
    yield opened
    context.close()


DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a browser test saves its screenshots: docs/img with RESONANZ_SCREENSHOTS=1, else a temporary folder."""
    target = DOCS_IMG if os.environ.get("RESONANZ_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target
