from __future__ import annotations

import pytest

from resonanz.channels.facebook.fake_server import FakeFacebook
from resonanz.testing.factories import ChannelAccountFactory


@pytest.fixture
def fake_facebook():
    server = FakeFacebook().start()
    yield server
    server.stop()


@pytest.fixture
def facebook_account(workspace, fake_facebook):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="facebook",
        name="Netzwelt auf Facebook",
        secret="app-secret",
        config={
            "api_base_url": fake_facebook.api_base_url,
            "page_id": fake_facebook.page_id,
            "page_access_token": "page-token",
            "verify_token": "mein-verify-token",
            "timeout_seconds": 2,
        },
        is_public=True,
    )
