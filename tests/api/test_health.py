"""GET /healthz: a minimal public answer, the details behind a token, no table counts on every probe
(issue 10 item 18, issue 17 item 5)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from resonanz import __version__
from resonanz.api import health
from resonanz.testing.factories import MessageFactory

TOKEN = "health-token-for-tests"


@pytest.fixture(autouse=True)
def _health_settings(settings):
    settings.HEALTH_TOKEN = TOKEN
    settings.HEALTH_COUNTS_SECONDS = 3600  # nothing in a test ages out by itself
    health.forget_counts()
    yield
    health.forget_counts()


@pytest.fixture
def conversation(fake_account):
    return MessageFactory(conversation__channel_account=fake_account).conversation


def count_queries(context: CaptureQueriesContext) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in context.captured_queries)


def detailed(client, query: str = "", token: str = TOKEN):
    return client.get(f"/healthz{query}", headers={"Authorization": f"Bearer {token}"})


def test_the_public_answer_is_only_the_status(client, conversation):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_public_probes_count_nothing(client, conversation):
    with CaptureQueriesContext(connection) as context:
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
    assert count_queries(context) == 0
    assert len(context.captured_queries) == 5  # one SELECT 1 per probe


def test_the_details_need_the_token(client, conversation, settings):
    response = detailed(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["mode"] == ("scale-out" if settings.SCALE_OUT else "embedded")
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["queue"]["backend"] == "eager"
    assert body["counts"] == {
        "messages": 1,
        "conversations": 1,
        "events_pending": 0,
        "events_failed": 0,
        "events_retrying": 0,
        "deliveries_failed": 0,
    }


def test_repeated_detailed_probes_reuse_their_counts(client, conversation):
    with CaptureQueriesContext(connection) as context:
        for _ in range(5):
            assert detailed(client).json()["counts"]["messages"] == 1
    assert count_queries(context) == 6  # one set of counts for five probes
    MessageFactory(conversation=conversation)
    assert detailed(client).json()["counts"]["messages"] == 1  # still the reused answer
    fresh = detailed(client, "?fresh=1").json()
    assert fresh["counts"]["messages"] == 2
    assert fresh["counts_age_seconds"] == 0


def test_counts_age_out(client, conversation, settings):
    settings.HEALTH_COUNTS_SECONDS = 0
    assert detailed(client).json()["counts"]["messages"] == 1
    MessageFactory(conversation=conversation)
    assert detailed(client).json()["counts"]["messages"] == 2


@pytest.mark.parametrize(
    "header",
    ["Bearer wrong", "Bearer ", "Basic " + TOKEN, TOKEN, "Bearer tökén", "Bearer " + TOKEN + "x"],
)
def test_a_wrong_token_gets_no_details(client, conversation, header):
    response = client.get("/healthz", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == {"status": "ok", "detail": "invalid health token"}


def test_without_a_configured_token_there_are_no_details(client, conversation, settings):
    settings.HEALTH_TOKEN = ""
    response = client.get("/healthz", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert "counts" not in response.json()


def test_a_database_error_is_told_only_to_the_token_holder(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("unable to open database file /srv/resonanz/data/resonanz.sqlite3")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        public = client.get("/healthz")
        details = detailed(client)
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})
    assert details.status_code == 503
    assert details.json()["database"]["error"] == (
        "unable to open database file /srv/resonanz/data/resonanz.sqlite3"
    )
    assert "counts" not in details.json()
