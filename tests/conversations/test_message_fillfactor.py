"""On PostgreSQL the message table leaves room on its pages for the updates that follow a message's storing
(decision 0883), so they are HOT updates that write no index entries."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no fill factor"),
]


def test_message_pages_keep_room_for_updates():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'conversations_message'")
        (options,) = cursor.fetchone()
    assert "fillfactor=85" in (options or [])
