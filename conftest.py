from __future__ import annotations

import os

import pytest
from django.test import Client

from resonanz.core.factories import PASSWORD, AgentFactory, ChannelAccountFactory, WorkspaceFactory

# The fake platforms, feed and mail servers of the tests listen on loopback: outbound calls may go there
# (servers and workers the tests start inherit this; in this process the fixture below sets it).
LOOPBACK = ["127.0.0.1", "::1", "localhost"]
os.environ.setdefault("RESONANZ_OUTBOUND_ALLOWED_HOSTS", ",".join(LOOPBACK))


@pytest.fixture(autouse=True)
def _eager_queue(settings):
    # Tasks run in the test's thread right after commit: the same code path as a worker, no threads.
    settings.QUEUE_BACKEND = "eager"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
