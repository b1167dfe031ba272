from __future__ import annotations

import pytest

from resonanz.channels.x.client import reset_rate_limit_memory
from resonanz.channels.x.fake_server import FakeX
from resonanz.testing.factories import ChannelAccountFactory


@pytest.fixture
def fake_x():
    reset_rate_limit_memory()
    server = FakeX(keepalive_seconds=0.2).start()
    yield server
    server.stop()
    reset_rate_limit_memory()


@pytest.fixture
def x_account(workspace, fake_x):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="x",
        name="@netzwelt_hilft",
        secret="consumer-secret",
        config={
            "api_base_url": fake_x.base_url,
            "user_id": fake_x.own_user_id,
            "username": "netzwelt_hilft",
            "access_token": "test-token",
            "timeout_seconds": 2,
        },
        is_public=True,
    )


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run tasks enqueued inside the block when it ends, as the queue would after the commit."""
    return django_capture_on_commit_callbacks
