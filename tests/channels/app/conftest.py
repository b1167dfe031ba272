from __future__ import annotations

import time

import pytest

from resonanz.channels.app.tokens import make_user_token
from resonanz.testing.factories import ChannelAccountFactory

APP_SECRET = "app-secret-0123456789"
SHOP = "https://shop.example"
VISITOR = "Vb5qL0mZ3xR7tY1uW9eA2sD4fG6hJ8kP"  # a widget-made visitor id
OTHER_VISITOR = "Qz9xW8cV7bN6mL5kJ4hG3fD2sA1pO0iU"


@pytest.fixture
def app_account(workspace):
    return ChannelAccountFactory(
        workspace=workspace,
        kind="app",
        name="Netzwelt App",
        secret=APP_SECRET,
        config={"allowed_origins": [SHOP]},
        is_public=False,
    )


def user_headers(user_id: str = "kunde-4711", *, expires_in: int = 3600, secret: str = APP_SECRET) -> dict:
    token = make_user_token(secret, user_id, int(time.time()) + expires_in)
    return {"Authorization": f"Bearer {token}"}


def visitor_headers(visitor: str = VISITOR) -> dict:
    return {"X-Resonanz-Visitor": visitor}
