"""The anonymous widget cannot be flooded: limits per visitor (follow-ups too), per client address (from
the trusted proxy header when one is configured) and per channel account, the last only as a circuit
breaker that never blocks customers with a valid signed user token. A visitor's typed e-mail is not a
verified address: it makes no high-confidence merge suggestion."""

from __future__ import annotations

import json

import pytest

from resonanz.channels.models import InboundEvent
from resonanz.conversations.merges import do_compute_suggestions
from resonanz.conversations.models import Message
from resonanz.customers.models import Customer
from resonanz.testing.factories import CustomerFactory
from tests.channels.app.conftest import VISITOR, user_headers, visitor_headers

pytestmark = pytest.mark.django_db


def base(account) -> str:
    return f"/api/app/{account.pk}"


def post(client, url: str, body: dict, headers: dict, ip: str = "203.0.113.9"):
    return client.post(
        url, data=json.dumps(body), content_type="application/json", headers=headers, REMOTE_ADDR=ip
    )


def start(client, account, cid: str, headers: dict, ip: str = "203.0.113.9", **fields):
    return post(
        client,
        f"{base(account)}/conversations",
        {"client_message_id": cid, "text": "Hallo", **fields},
        headers,
        ip,
    )


def follow_up(client, account, conversation_id: int, cid: str, headers: dict, ip: str = "203.0.113.9"):
    return post(
        client,
        f"{base(account)}/conversations/{conversation_id}/messages",
        {"client_message_id": cid, "text": "Und?"},
        headers,
        ip,
    )


def visitor(number: int) -> str:
    return f"V{number:03d}" + "x" * 22


def test_follow_ups_of_one_visitor_are_limited(client, app_account):
    app_account.config = {"anonymous_messages_per_visitor_per_minute": 3}
    app_account.save()
    conversation_id = start(client, app_account, "m-00000000", visitor_headers()).json()["conversation_id"]
    codes = [
        follow_up(client, app_account, conversation_id, f"m-follow{i:02d}", visitor_headers()).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    limited = follow_up(client, app_account, conversation_id, "m-follow99", visitor_headers())
    assert limited.json() == {"detail": "too many messages from you; wait a minute"}
    assert limited.headers["Retry-After"] == "60"
    assert Message.objects.count() == 3
    # A retry of a message already stored is answered, not limited.
    assert follow_up(client, app_account, conversation_id, "m-follow00", visitor_headers()).status_code == 200


def test_messages_from_one_address_are_limited_across_visitors(client, app_account):
    app_account.config = {"anonymous_messages_per_ip_per_minute": 3, "anonymous_starts_per_ip_per_hour": 100}
    app_account.save()
    codes = [
        start(client, app_account, f"m-start{i:03d}", visitor_headers(visitor(i))).status_code
        for i in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    # Another address is not affected.
    assert (
        start(client, app_account, "m-else0001", visitor_headers(visitor(9)), ip="198.51.100.1").status_code
        == 201
    )


def test_behind_a_trusted_proxy_visitors_are_counted_by_the_forwarded_address(client, app_account, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    app_account.config = {"anonymous_starts_per_ip_per_hour": 1}
    app_account.save()
    proxy = "10.0.0.2"

    def start_from(client_ip: str, number: int):
        return start(
            client,
            app_account,
            f"m-prox{number:04d}",
            {**visitor_headers(visitor(number)), "X-Forwarded-For": client_ip},
            ip=proxy,
        )

    assert start_from("192.0.2.1", 1).status_code == 201
    assert start_from("192.0.2.1", 2).status_code == 429
    assert start_from("192.0.2.2", 3).status_code == 201  # another visitor behind the same proxy


def test_without_a_trusted_proxy_a_forged_forwarded_header_changes_nothing(client, app_account):
    app_account.config = {"anonymous_starts_per_ip_per_hour": 1}
    app_account.save()
    first = start(
        client, app_account, "m-forg0001", {**visitor_headers(visitor(1)), "X-Forwarded-For": "192.0.2.1"}
    )
    second = start(
        client, app_account, "m-forg0002", {**visitor_headers(visitor(2)), "X-Forwarded-For": "192.0.2.2"}
    )
    assert (first.status_code, second.status_code) == (201, 429)


def test_the_account_circuit_breaker_never_blocks_signed_in_customers(client, app_account):
    app_account.config = {"anonymous_starts_per_minute": 2, "anonymous_starts_per_ip_per_hour": 100}
    app_account.save()
    codes = [
        start(
            client, app_account, f"m-flood{i:03d}", visitor_headers(visitor(i)), ip=f"192.0.2.{i}"
        ).status_code
        for i in range(4)
    ]
    assert codes == [201, 201, 429, 429]
    signed = start(client, app_account, "m-signed01", user_headers("kunde-4711"), ip="192.0.2.50")
    assert signed.status_code == 201
    conversation_id = signed.json()["conversation_id"]
    assert (
        follow_up(client, app_account, conversation_id, "m-signed02", user_headers("kunde-4711")).status_code
        == 201
    )


def test_a_visitor_typed_email_gives_no_high_confidence_merge_suggestion(client, app_account, workspace):
    known = CustomerFactory(workspace=workspace, display_name="Anna Beispiel", email="anna@example.org")
    response = start(client, app_account, "m-mail0001", visitor_headers(VISITOR), email="anna@example.org")
    assert response.status_code == 201
    newcomer = Customer.objects.exclude(pk=known.pk).get()
    assert [s for s in do_compute_suggestions(newcomer) if s.confidence >= 0.7] == []
    # The agent still sees what the visitor typed, marked as unverified.
    message = Message.objects.get()
    assert message.extra["app"]["email_unverified"] == "anna@example.org"


def test_a_signed_in_customer_email_is_kept_on_the_customer(client, app_account):
    start(client, app_account, "m-mail0002", user_headers("kunde-4711"), email="anna@example.org")
    assert Customer.objects.get().email == "anna@example.org"
    assert InboundEvent.objects.count() == 1
