"""Helpers shared by the test suites of every app (factories live in resonanz/testing/factories.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from resonanz.channels.webhook.adapter import SIGNATURE_HEADER, sign


@contextmanager
def assert_database_query_count(expected: int) -> Iterator[CaptureQueriesContext]:
    """Exact query count on hot paths; prints every statement on a mismatch (as Zulip does)."""
    with CaptureQueriesContext(connection) as context:
        yield context
    actual = len(context.captured_queries)
    if actual != expected:
        listing = "\n".join(f"{i + 1}. {q['sql']}" for i, q in enumerate(context.captured_queries))
        raise AssertionError(f"expected {expected} queries, ran {actual}:\n{listing}")


def signed_post(client: Any, url: str, secret: str, data: Any) -> Any:
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return client.post(
        url, data=body, content_type="application/json", headers={SIGNATURE_HEADER: sign(secret, body)}
    )
