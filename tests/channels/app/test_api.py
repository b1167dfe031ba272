"""The customer-facing API end to end: widget request → stored raw event → processed → the customer reads
the agent's replies. Negative tests assert that nothing was stored."""

from __future__ import annotations

import hashlib
import json

import pytest

from resonanz.channels.models import ChannelAccount, InboundEvent, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.customers.models import Customer, Identity
from resonanz.testing.factories import ChannelAccountFactory, MessageFactory
from resonanz.testing.helpers import assert_database_query_count
from tests.channels.app.conftest import (
    APP_SECRET,
    OTHER_VISITOR,
    SHOP,
    VISITOR,
    user_headers,
    visitor_headers,
)

pytestmark = pytest.mark.django_db(transaction=False)

VISITOR_HANDLE = "visitor:" + hashlib.sha256(VISITOR.encode()).hexdigest()[:32]


def base(account) -> str:
    return f"/api/app/{account.pk}"


def post(client, url: str, body, headers: dict):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def start(client, account, text="Mein Internet geht nicht.", cid="m-000000001", headers=None):
    return post(
        client,
        f"{base(account)}/conversations",
        {"client_message_id": cid, "text": text},
        headers or visitor_headers(),
    )


def nothing_stored() -> bool:
    return InboundEvent.objects.count() == 0 and Message.objects.count() == 0


# --- start a conversation --------------------------------------------------------------------------------------
def test_anonymous_visitor_starts_a_conversation(client, app_account):
    response = start(client, app_account, "Hallo, mein Router blinkt rot.")
    assert response.status_code == 201
    body = response.json()
    message = Message.objects.get()
    assert body == {
        "client_message_id": "m-000000001",
        "duplicate": False,
        "conversation_id": message.conversation_id,
        "message": {
            "id": message.pk,
            "conversation_id": message.conversation_id,
            "direction": "in",
            "kind": "message",
            "text": "Hallo, mein Router blinkt rot.",
            "data": {},
            "agent": None,
            "created_at": body["message"]["created_at"],
        },
    }
    event = InboundEvent.objects.get()
    assert (event.external_id, event.event_type, event.status) == (
        f"app:{VISITOR_HANDLE}:m-000000001",
        "message",
        "processed",
    )
    assert VISITOR not in json.dumps(event.payload)  # the bearer id itself is never stored
    identity = Identity.objects.get()
    assert (identity.kind, identity.handle) == ("app", VISITOR_HANDLE)
    conversation = Conversation.objects.get()
    assert (conversation.channel_account_id, conversation.customer_id, conversation.status) == (
        app_account.pk,
        identity.customer_id,
        "new",
    )
    assert (message.visibility, message.direction, message.external_id) == (
        "private",
        "in",
        f"app:{VISITOR_HANDLE}:m-000000001",
    )


def test_signed_in_customer_starts_a_conversation_under_their_app_user_id(client, app_account):
    response = post(
        client,
        f"{base(app_account)}/conversations",
        {
            "client_message_id": "m-000000001",
            "text": "Rechnung doppelt?",
            "name": "Anna Beispiel",
            "email": "anna@example.org",
        },
        user_headers("kunde-4711"),
    )
    assert response.status_code == 201
    identity = Identity.objects.select_related("customer").get()
    assert (identity.kind, identity.handle, identity.display_name) == ("app", "kunde-4711", "Anna Beispiel")
    assert (identity.customer.display_name, identity.customer.email) == ("Anna Beispiel", "anna@example.org")


def test_second_message_continues_the_customers_conversation(client, app_account):
    first = start(client, app_account).json()
    response = post(
        client,
        f"{base(app_account)}/conversations/{first['conversation_id']}/messages",
        {"client_message_id": "m-000000002", "text": "Noch immer nicht."},
        visitor_headers(),
    )
    assert response.status_code == 201
    assert response.json()["conversation_id"] == first["conversation_id"]
    conversation = Conversation.objects.get()
    assert conversation.message_count == 2
    assert list(conversation.messages.order_by("id").values_list("text", flat=True)) == [
        "Mein Internet geht nicht.",
        "Noch immer nicht.",
    ]


def test_duplicate_client_message_id_is_stored_once(client, app_account):
    first = start(client, app_account, cid="m-retry0001")
    second = start(client, app_account, cid="m-retry0001")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["duplicate"] is True
    assert second.json()["message"]["id"] == first.json()["message"]["id"]
    assert InboundEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_two_customers_may_use_the_same_client_message_id(client, app_account):
    start(client, app_account, cid="m-same00001")
    start(client, app_account, cid="m-same00001", headers=visitor_headers(OTHER_VISITOR))
    assert Message.objects.count() == 2
    assert Conversation.objects.count() == 2


# --- report a problem, change an address ------------------------------------------------------------------------
def test_problem_report_is_a_message_with_its_form_in_extra(client, app_account):
    response = post(
        client,
        f"{base(app_account)}/problems",
        {
            "client_message_id": "m-problem01",
            "category": "internet",
            "description": "Seit 7 Uhr offline.",
            "postal_code": "50667",
        },
        visitor_headers(),
    )
    assert response.status_code == 201
    assert response.json()["message"]["kind"] == "problem_report"
    assert response.json()["message"]["data"] == {
        "category": "internet",
        "category_label": "Internet",
        "postal_code": "50667",
    }
    message = Message.objects.select_related("conversation", "author_identity__customer").get()
    assert message.author_identity is not None
    assert message.text == "Problemmeldung – Internet: Seit 7 Uhr offline.\nPLZ: 50667"
    assert message.extra == {
        "app": {
            "type": "problem_report",
            "client_message_id": "m-problem01",
            "category": "internet",
            "category_label": "Internet",
            "postal_code": "50667",
        }
    }
    assert message.conversation.subject == "Problemmeldung: Internet"
    assert message.author_identity.customer.postal_code == "50667"


def test_address_change_waits_for_the_agent_and_then_updates_the_customer(
    client, app_account, agent, agent_client
):
    customer_headers = user_headers("kunde-4711")
    start(client, app_account, "Hallo", headers=customer_headers)
    Customer.objects.update(postal_code="50667", city="Köln")
    response = post(
        client,
        f"{base(app_account)}/address-changes",
        {
            "client_message_id": "m-address01",
            "street": "Domstraße 12",
            "postal_code": "50668",
            "city": "Köln-Nord",
            "note": "Ab 1.12.",
        },
        customer_headers,
    )
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message"]["id"])
    assert message.text == "Adressänderung: Domstraße 12, 50668 Köln-Nord\nAb 1.12."
    assert message.extra["app"] == {
        "type": "address_change",
        "client_message_id": "m-address01",
        "street": "Domstraße 12",
        "postal_code": "50668",
        "city": "Köln-Nord",
        "status": "requested",
    }
    customer = Customer.objects.get()
    assert (customer.postal_code, customer.city) == ("50667", "Köln")  # not before an agent confirms

    confirmed = agent_client.post(f"/api/address-changes/{message.pk}/confirm")

    assert confirmed.status_code == 200
    assert confirmed.json() == {"customer_id": customer.pk, "postal_code": "50668", "city": "Köln-Nord"}
    customer.refresh_from_db()
    assert (customer.postal_code, customer.city) == ("50668", "Köln-Nord")
    message.refresh_from_db()
    assert (message.extra["app"]["status"], message.extra["app"]["confirmed_by"]) == ("confirmed", agent.pk)
    entry = TimelineEntry.objects.get(kind="address_changed")
    assert (entry.actor_id, entry.data["from"], entry.data["to"]) == (
        agent.pk,
        {"postal_code": "50667", "city": "Köln"},
        {"postal_code": "50668", "city": "Köln-Nord"},
    )
    again = agent_client.post(f"/api/address-changes/{message.pk}/confirm")
    assert again.status_code == 409
    assert TimelineEntry.objects.filter(kind="address_changed").count() == 1
    seen = client.get(
        f"{base(app_account)}/conversations/{message.conversation_id}/messages", headers=customer_headers
    )
    assert [m["data"].get("status") for m in seen.json()] == [None, "confirmed"]


def test_confirming_a_message_that_is_no_address_change_is_rejected(client, app_account, agent_client):
    response = start(client, app_account)
    confirmed = agent_client.post(f"/api/address-changes/{response.json()['message']['id']}/confirm")
    assert confirmed.status_code == 400
    assert not TimelineEntry.objects.filter(kind="address_changed").exists()


def test_agent_of_another_workspace_cannot_confirm(client, app_account):
    from django.test import Client

    from resonanz.testing.factories import PASSWORD, AgentFactory, WorkspaceFactory

    other = AgentFactory(workspace=WorkspaceFactory(slug="andere", name="Andere GmbH"))
    other_client = Client()
    other_client.login(username=other.user.username, password=PASSWORD)
    message = post(
        client,
        f"{base(app_account)}/address-changes",
        {"client_message_id": "m-address01", "street": "Ring 1", "postal_code": "10115", "city": "Berlin"},
        visitor_headers(),
    ).json()["message"]
    assert other_client.post(f"/api/address-changes/{message['id']}/confirm").status_code == 404
    assert Customer.objects.get().postal_code == ""


# --- read the replies -------------------------------------------------------------------------------------------
def test_customer_reads_agent_replies_but_no_notes(
    client, app_account, agent, django_capture_on_commit_callbacks
):
    agent.display_name, agent.initials, agent.photo_url = (
        "Mia Kramer",
        "MK",
        "https://cdn.netzwelt.example/mia.jpg",
    )
    agent.save()
    conversation_id = start(client, app_account).json()["conversation_id"]
    conversation = Conversation.objects.get(pk=conversation_id)
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_send_reply(agent, conversation, "Wir schauen sofort nach.")
    MessageFactory(
        conversation=conversation,
        direction="out",
        visibility="note",
        text="intern: Techniker?",
        external_id="",
    )
    assert OutboundDelivery.objects.get().status == "sent"

    response = client.get(
        f"{base(app_account)}/conversations/{conversation_id}/messages", headers=visitor_headers()
    )

    assert response.status_code == 200
    messages = response.json()
    assert [(m["direction"], m["text"]) for m in messages] == [
        ("in", "Mein Internet geht nicht."),
        ("out", "Wir schauen sofort nach."),
    ]
    assert messages[1]["agent"] == {
        "name": "Mia",
        "initials": "MK",
        "photo_url": "https://cdn.netzwelt.example/mia.jpg",
    }
    assert messages[1]["id"] == reply.pk
    newer = client.get(
        f"{base(app_account)}/conversations/{conversation_id}/messages?after={messages[0]['id']}",
        headers=visitor_headers(),
    )
    assert [m["id"] for m in newer.json()] == [reply.pk]


def test_a_reply_is_shown_only_once_its_delivery_is_sent(client, app_account, agent):
    conversation_id = start(client, app_account).json()["conversation_id"]
    do_send_reply(agent, Conversation.objects.get(pk=conversation_id), "Gleich da.")  # task not run yet
    response = client.get(
        f"{base(app_account)}/conversations/{conversation_id}/messages", headers=visitor_headers()
    )
    assert [m["direction"] for m in response.json()] == ["in"]


def test_reading_messages_costs_three_queries(client, app_account):
    conversation_id = start(client, app_account).json()["conversation_id"]
    url = f"{base(app_account)}/conversations/{conversation_id}/messages"
    with assert_database_query_count(3):  # channel account, the customer's conversation, its messages
        response = client.get(url, headers=visitor_headers())
    assert len(response.json()) == 1


def test_customer_lists_only_their_own_conversations(client, app_account):
    mine = start(client, app_account).json()["conversation_id"]
    start(client, app_account, headers=visitor_headers(OTHER_VISITOR))
    response = client.get(f"{base(app_account)}/conversations", headers=visitor_headers())
    assert [c["id"] for c in response.json()] == [mine]


def test_other_customers_conversation_is_404_and_nothing_is_stored(client, app_account):
    theirs = start(client, app_account, headers=user_headers("kunde-1")).json()["conversation_id"]
    before = Message.objects.count()
    read = client.get(f"{base(app_account)}/conversations/{theirs}/messages", headers=user_headers("kunde-2"))
    write = post(
        client,
        f"{base(app_account)}/conversations/{theirs}/messages",
        {"client_message_id": "m-intrude01", "text": "Hallo?"},
        visitor_headers(),
    )
    assert (read.status_code, write.status_code) == (404, 404)
    assert Message.objects.count() == before
    assert InboundEvent.objects.count() == 1


def test_conversation_on_another_channel_is_404(client, app_account, fake_account):
    start(client, app_account, headers=user_headers("kunde-1"))
    customer = Customer.objects.get()
    elsewhere = MessageFactory(
        conversation__channel_account=fake_account, conversation__customer=customer
    ).conversation
    response = client.get(
        f"{base(app_account)}/conversations/{elsewhere.pk}/messages", headers=user_headers("kunde-1")
    )
    assert response.status_code == 404


# --- authentication ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Unauthorized"),
        (user_headers(expires_in=-1), "user token has expired"),
        (user_headers(secret="someone-elses-secret"), "user token signature is invalid"),
        ({"Authorization": "Bearer kunde-4711.9999999999.deadbeef"}, "user token signature is invalid"),
        ({"Authorization": "Bearer kunde-4711"}, "malformed user token"),
        ({"X-Resonanz-Visitor": "short"}, "visitor id must be 22-64 characters of A-Z a-z 0-9 _ -"),
    ],
    ids=["none", "expired", "other-secret", "forged", "malformed", "bad-visitor"],
)
def test_bad_credentials_are_401_and_nothing_is_stored(client, app_account, headers, detail):
    response = (
        start(client, app_account, headers=headers)
        if headers
        else post(
            client,
            f"{base(app_account)}/conversations",
            {"client_message_id": "m-000000001", "text": "x"},
            {},
        )
    )
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert nothing_stored()


def test_forged_token_cannot_read(client, app_account):
    conversation_id = start(client, app_account, headers=user_headers("kunde-1")).json()["conversation_id"]
    forged = {"Authorization": "Bearer kunde-1.9999999999." + "0" * 64}
    response = client.get(f"{base(app_account)}/conversations/{conversation_id}/messages", headers=forged)
    assert response.status_code == 401


def test_anonymous_access_can_be_switched_off(client, app_account):
    app_account.config["allow_anonymous"] = False
    app_account.save()
    assert start(client, app_account).status_code == 401
    assert start(client, app_account, headers=user_headers()).status_code == 201


@pytest.mark.parametrize("kind", ["fake", "webhook"])
def test_non_app_channel_is_404(client, workspace, kind):
    other = ChannelAccountFactory(workspace=workspace, kind=kind, secret=APP_SECRET)
    assert start(client, other).status_code == 404
    assert nothing_stored()


# --- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        (
            "/conversations",
            {"client_message_id": "m-000000001", "text": "x" * 5001},
            "text: String should have at most 5000 characters",
        ),
        (
            "/conversations",
            {"client_message_id": "m-000000001", "text": "   "},
            "text: String should have at least 1 character",
        ),
        (
            "/conversations",
            {"client_message_id": "../../etc", "text": "Hallo"},
            "client_message_id: String should match pattern",
        ),
        (
            "/conversations",
            {"client_message_id": "m-000000001", "text": "Hallo", "admin": True},
            "admin: Extra inputs are not permitted",
        ),
        (
            "/problems",
            {"client_message_id": "m-000000001", "category": "weather", "description": "x"},
            "category: Input should be",
        ),
        (
            "/problems",
            {"client_message_id": "m-000000001", "category": "tv", "description": "x", "postal_code": "5066"},
            "postal_code: String should match pattern",
        ),
        (
            "/address-changes",
            {
                "client_message_id": "m-000000001",
                "street": "Ring 1",
                "postal_code": "1O115",
                "city": "Berlin",
            },
            "postal_code: String should match pattern",
        ),
        (
            "/address-changes",
            {"client_message_id": "m-000000001", "street": "", "postal_code": "10115", "city": "Berlin"},
            "street: String should have at least 1 character",
        ),
        ("/conversations", b"{not json", "Cannot parse request body"),
    ],
    ids=[
        "oversize",
        "blank",
        "bad-client-id",
        "extra-field",
        "category",
        "short-postal",
        "letter-postal",
        "no-street",
        "not-json",
    ],
)
def test_bad_input_is_400_and_nothing_is_stored(client, app_account, path, body, detail):
    response = post(client, base(app_account) + path, body, visitor_headers())
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert nothing_stored()


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("<script>alert('x')</script><b>fett</b>", "<script>alert('x')</script><b>fett</b>"),
        ("Null\x00byte und \x07 Steuerzeichen\u200b", "Nullbyte und  Steuerzeichen\u200b"),
        ("🔥🔥🔥😡📉", "🔥🔥🔥😡📉"),
        ("' OR 1=1; DROP TABLE conversations_message; --", "' OR 1=1; DROP TABLE conversations_message; --"),
    ],
)
def test_hostile_text_is_stored_as_literal_text(client, app_account, agent_client, text, stored):
    response = start(client, app_account, text)
    assert response.status_code == 201
    message = Message.objects.get()
    assert message.text == stored
    read = client.get(
        f"{base(app_account)}/conversations/{message.conversation_id}/messages", headers=visitor_headers()
    )
    assert read.json()[0]["text"] == stored
    page = agent_client.get(f"/conversations/{message.conversation_id}/")
    assert b"<script>alert" not in page.content


# --- rate limit -------------------------------------------------------------------------------------------------
def test_anonymous_starts_are_rate_limited_per_address(client, app_account):
    app_account.config["anonymous_starts_per_ip_per_hour"] = 2
    app_account.save()
    visitors = ["A" * 22 + str(i) for i in range(4)]
    codes = [
        start(client, app_account, cid=f"m-start000{i}", headers=visitor_headers(v)).status_code
        for i, v in enumerate(visitors)
    ]
    assert codes == [201, 201, 429, 429]
    limited = start(client, app_account, cid="m-start0009", headers=visitor_headers(visitors[3]))
    assert limited.headers["Retry-After"] == "600"
    assert limited.json() == {"detail": "too many new conversations from this address; try again later"}
    assert InboundEvent.objects.count() == 2
    # Signed-in customers, follow-ups in an own conversation and retries of a stored message pass.
    assert start(client, app_account, cid="m-signed001", headers=user_headers()).status_code == 201
    first = (
        Conversation.objects.filter(customer__identities__handle__startswith="visitor:")
        .order_by("id")
        .first()
    )
    assert first is not None
    follow_up = post(
        client,
        f"{base(app_account)}/conversations/{first.pk}/messages",
        {"client_message_id": "m-follow001", "text": "Und?"},
        visitor_headers(visitors[0]),
    )
    assert follow_up.status_code == 201
    assert (
        start(client, app_account, cid="m-start0000", headers=visitor_headers(visitors[0])).status_code == 200
    )


def test_anonymous_starts_are_rate_limited_per_channel(client, app_account):
    app_account.config["anonymous_starts_per_minute"] = 1
    app_account.save()
    assert start(client, app_account).status_code == 201
    other = start(
        client,
        app_account,
        cid="m-other0001",
        headers=visitor_headers(OTHER_VISITOR),
    )
    assert other.status_code == 429
    assert other.headers["Retry-After"] == "60"


# --- CORS -------------------------------------------------------------------------------------------------------
def test_preflight_from_an_allowed_origin(client, app_account):
    response = client.options(
        f"{base(app_account)}/conversations",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response["Access-Control-Allow-Headers"] == "Authorization, Content-Type, X-Resonanz-Visitor"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"


def test_answers_and_errors_carry_cors_headers_for_allowed_origins(client, app_account):
    ok = start(client, app_account, headers={**visitor_headers(), "Origin": SHOP})
    denied = start(client, app_account, headers={"Origin": SHOP, "Authorization": "Bearer x.1.y"})
    assert (ok.status_code, denied.status_code) == (201, 401)
    assert ok["Access-Control-Allow-Origin"] == SHOP
    assert denied["Access-Control-Allow-Origin"] == SHOP


def test_unknown_origin_gets_no_cors_headers_and_cannot_write(client, app_account):
    preflight = client.options(
        f"{base(app_account)}/conversations", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in preflight
    response = start(client, app_account, headers={**visitor_headers(), "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert nothing_stored()


def test_same_origin_is_always_allowed(client, app_account):
    response = start(client, app_account, headers={**visitor_headers(), "Origin": "http://testserver"})
    assert response.status_code == 201


# --- widget files and demo page ---------------------------------------------------------------------------------
def test_widget_files_are_served_with_etag(client, db):
    script = client.get("/widget/widget.js")
    assert script.status_code == 200
    assert script["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"X-Resonanz-Visitor" in script.content
    assert client.get("/widget/widget.js", headers={"If-None-Match": script["ETag"]}).status_code == 304
    assert client.get("/widget/widget.css")["Content-Type"] == "text/css; charset=utf-8"
    assert client.get("/widget/secrets.py").status_code == 404


def test_demo_page_embeds_the_widget_of_the_app_channel(client, app_account):
    page = client.get("/widget-demo/")
    assert page.status_code == 200
    assert (
        f'<script src="http://testserver/widget/widget.js" data-account="{app_account.pk}"'.encode()
        in page.content
    )
    assert b"data-user-token" not in page.content  # demo tokens only in DEBUG


def test_demo_page_signs_a_demo_user_only_in_debug(client, app_account, settings):
    settings.DEBUG = True
    page = client.get("/widget-demo/?user=kunde-4711")
    assert b'data-user-token="kunde-4711.' in page.content


def test_customer_api_schema_in_docs_is_current(db):
    from pathlib import Path

    from resonanz.channels.app.api import schema_json

    path = Path(__file__).resolve().parents[3] / "docs" / "channels" / "app-openapi.json"
    assert path.read_text() == schema_json(), (
        'docs/channels/app-openapi.json is out of date: run resonanz shell -c "from '
        'resonanz.channels.app.api import write_schema; write_schema()"'
    )


def test_body_over_the_request_limit_is_400_and_nothing_is_stored(client, app_account, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = json.dumps({"client_message_id": "m-000000001", "text": "x" * 3_000}).encode()
    response = post(client, f"{base(app_account)}/conversations", body, visitor_headers())
    assert response.status_code == 400
    assert nothing_stored()


def test_a_disabled_app_channel_answers_403_with_the_reason_and_stores_nothing(client, app_account):
    ChannelAccount.objects.filter(pk=app_account.pk).update(status=ChannelAccount.Status.DISABLED)
    response = start(client, app_account)
    assert response.status_code == 403
    assert "is disabled" in response.json()["detail"]
    assert nothing_stored()
