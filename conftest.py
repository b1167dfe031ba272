from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from resonanz.testing.factories import PASSWORD, AgentFactory, ChannelAccountFactory, WorkspaceFactory

# Hypothesis profiles: "dev" (the default, `make test-fast`) is short; "ci" (`make test`) looks harder.
# A test's own @settings(max_examples=…) still wins over the profile.
hypothesis_settings.register_profile("dev", max_examples=25, deadline=None)
hypothesis_settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Stored credentials are encrypted (resonanz.core.encryption): tests and the servers they start share keys.
TEST_ENCRYPTION_KEYS = os.environ.setdefault(
    "RESONANZ_ENCRYPTION_KEYS", "1v5qs0urNoUvUy6Y1cniwQ-fgZDRqDKGQMJBsjIzGXI="
)

# The fake platforms, feed and mail servers of the tests listen on loopback: outbound calls may go there
# (servers and workers the tests start inherit this; in this process the fixture below sets it).
LOOPBACK = ["127.0.0.1", "::1", "localhost"]
os.environ.setdefault("RESONANZ_OUTBOUND_ALLOWED_HOSTS", ",".join(LOOPBACK))


@pytest.fixture(autouse=True)
def _german_by_default() -> Iterator[None]:
    """Every test starts in LANGUAGE_CODE (German), like a request that names no language. LocaleMiddleware
    leaves a request's language active in the thread; without this, a test that asked for English would
    decide the language of the error messages in the next test (decision 0016)."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _eager_queue(settings):
    # Tasks run in the test's thread right after commit: the same code path as a worker, no threads.
    settings.QUEUE_BACKEND = "eager"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ENCRYPTION_KEYS = TEST_ENCRYPTION_KEYS.split(",")
    settings.OUTBOUND_ALLOWED_HOSTS = LOOPBACK


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def agent(workspace):
    return AgentFactory(workspace=workspace)


@pytest.fixture
def fake_account(workspace):
    return ChannelAccountFactory(workspace=workspace)


@pytest.fixture
def agent_client(agent) -> Client:
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    return client


_DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``RESONANZ_TEST_DATABASE_ONLY=1`` (the PostgreSQL run of `make test`): keep only the tests that open
    the test database. The others (parsers, settings checks, subprocesses with their own SQLite file) do
    the same thing on every database and have run once already in the SQLite run (decision 0015)."""
    if os.environ.get("RESONANZ_TEST_DATABASE_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(
            getattr(item, "fixturenames", ())
        )
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def fresh_suggestions():
    """Suggestion indexes and the cache start empty and the indexes are dropped after the test (the
    knowledge, community and deflection tests: indexes are kept per process between requests)."""
    from django.core.cache import cache

    from resonanz.knowledge import suggest

    suggest.forget_indexes()
    cache.clear()
    yield
    suggest.forget_indexes()
