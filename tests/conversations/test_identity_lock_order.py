"""Two workers storing batches with the same new authors (scale-out, PostgreSQL) wait for each other at
most: each batch inserts its new identities in key order, so no two transactions hold each other's rows
(`bench/ingest.py --mode scaleout` found a deadlock on customers_identity before)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from resonanz.conversations.inbound import _resolve_identities
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.customers.authors import Author
from resonanz.customers.models import Identity

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.IS_SQLITE, reason="SQLite has one writer: nothing to wait for"),
]


def _message(handle: str) -> NormalizedMessage:
    return NormalizedMessage(
        external_id=f"m-{handle}",
        author=Author(kind="x", handle=handle, display_name=handle.title()),
        text="Hallo",
        created_at=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
    )


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _wait_until(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_batches_with_the_same_new_authors_in_opposite_orders_do_not_deadlock(workspace):
    first_holds_anna = threading.Event()
    second_waits = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                _resolve_identities(workspace.pk, [_message("anna")])
                first_holds_anna.set()
                assert second_waits.wait(10)
                _resolve_identities(workspace.pk, [_message("bert")])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            assert first_holds_anna.wait(10)
            with transaction.atomic():
                _resolve_identities(workspace.pk, [_message("bert"), _message("anna")])
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        _wait_until(_waiting_for_a_lock, "the second batch to wait for the first's identity")
    finally:
        second_waits.set()
        for thread in threads:
            thread.join(30)

    assert errors == []
    assert sorted(Identity.objects.filter(workspace=workspace).values_list("handle", flat=True)) == [
        "anna",
        "bert",
    ]
