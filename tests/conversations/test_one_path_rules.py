"""The one-by-one and the set-based ingest paths make the same customer from the same author."""

from __future__ import annotations

import datetime as dt

import pytest

from resonanz.conversations.inbound import _resolve_identities
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.customers.actions import do_resolve_identity
from resonanz.customers.authors import Author

pytestmark = pytest.mark.django_db

PROFILE = {
    "email": "kim@example.de",
    "postal_code": "50667",
    "app_user_id": "u-4711",
    "vip": "true",
    "not_a_profile_field": "x",
}
FIELDS = (
    "display_name",
    "is_vip",
    "email",
    "phone",
    "postal_code",
    "city",
    "region",
    "language",
    "app_user_id",
)


def test_both_paths_store_the_same_profile(workspace):
    one = do_resolve_identity(
        workspace, Author(kind="app", handle="kim", display_name="Kim", profile=PROFILE)
    )
    batch = _resolve_identities(
        workspace.pk,
        [
            NormalizedMessage(
                external_id="m-1",
                author=Author(kind="app", handle="kim-2", display_name="Kim", profile=PROFILE),
                text="Hallo",
                created_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
            )
        ],
    )[("app", "kim-2")]
    assert {f: getattr(batch.customer, f) for f in FIELDS} == {f: getattr(one.customer, f) for f in FIELDS}
    assert batch.customer.app_user_id == "u-4711"
