"""The embedded SQLite backend queues write transactions on a file lock (decision 0011)."""

from __future__ import annotations

import fcntl

import pytest
from django.db import connection, transaction

pytestmark = pytest.mark.django_db(transaction=True)


def lock_is_free() -> bool:
    with open(f"{connection.settings_dict['NAME']}.writer-lock", "ab") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


@pytest.fixture(autouse=True)
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the writer lock belongs to the SQLite backend")


def test_a_transaction_holds_the_writer_lock_until_commit():
    with transaction.atomic():
        assert not lock_is_free()
        with transaction.atomic():  # a savepoint takes nothing more
            assert not lock_is_free()
        assert not lock_is_free()
    assert lock_is_free()


def test_a_rolled_back_transaction_releases_the_writer_lock():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert not lock_is_free()
        raise RuntimeError("boom")
    assert lock_is_free()


def test_statements_outside_transactions_take_no_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert lock_is_free()
