"""The agent pages through HTTP: inbox filters, a conversation, reply, status change, the dev panel."""

from __future__ import annotations

import pytest
from django.test import Client

from resonanz.channels.models import InboundEvent, OutboundDelivery
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.testing.factories import (
    PASSWORD,
    AgentFactory,
    ChannelAccountFactory,
    ConversationFactory,
    MessageFactory,
    WorkspaceFactory,
)
from resonanz.testing.helpers import assert_database_query_count
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


def conversations(account, n, **extra):
    made = []
    for i in range(n):
        conversation = ConversationFactory(channel_account=account, subject=f"Anliegen {i}", **extra)
        MessageFactory(conversation=conversation, text=f"Text {i}")
        made.append(conversation)
    return made


# Session, user, agent, the page's ids and rows, the channels, the teams, the agent's teams, the topics, the
# colleagues for the bulk assignment, and all counts (statuses, views, channels; decision 0855) in one.
INBOX_QUERIES = 11


@pytest.mark.parametrize("rows", [2, 12])
def test_inbox_query_count_does_not_grow_with_rows(agent_client, agent, fake_account, rows):
    made = conversations(fake_account, rows, owner=agent)
    Annotation.objects.create(
        message=made[0].messages.get(), annotator="sentiment", version="1", label="negative"
    )
    with assert_database_query_count(INBOX_QUERIES):
        response = agent_client.get("/?status=all")
    assert response.status_code == 200
    assert response.content.count(b"data-conversation=") == rows


def test_inbox_filters_by_status_channel_and_text(agent_client, workspace, fake_account):
    email = ChannelAccountFactory(
        workspace=workspace, name="Mail", config={"imitates": "email"}, is_public=False
    )
    router, invoice = conversations(fake_account, 2)
    Message.objects.filter(conversation=router).update(text="Mein Router blinkt rot")
    Conversation.objects.filter(pk=invoice.pk).update(status="solved")
    mail = conversations(email, 1)[0]

    def shown(url):
        content = agent_client.get(url).content.decode()
        return {c.pk for c in (router, invoice, mail) if f'data-conversation="{c.pk}"' in content}

    assert shown("/") == {router.pk, mail.pk}
    assert shown("/?status=solved") == {invoice.pk}
    assert shown(f"/?status=all&channel={email.pk}") == {mail.pk}
    assert shown("/?status=all&q=router") == {router.pk}
    assert shown("/?status=all&q=nichts-passt") == set()


def test_inbox_shows_only_the_agents_workspace(agent_client, fake_account):
    other = WorkspaceFactory(slug="andere", name="Andere GmbH")
    conversations(ChannelAccountFactory(workspace=other), 1)
    mine = conversations(fake_account, 1)
    content = agent_client.get("/?status=all").content.decode()
    assert content.count("data-conversation=") == 1
    assert f'data-conversation="{mine[0].pk}"' in content


def test_other_workspaces_conversation_is_404(agent_client):
    foreign = conversations(ChannelAccountFactory(workspace=WorkspaceFactory(slug="x2", name="X2")), 1)[0]
    assert agent_client.get(f"/conversations/{foreign.pk}/").status_code == 404
    response = agent_client.post(f"/conversations/{foreign.pk}/reply", {"text": "Hallo"})
    assert response.status_code == 404
    assert Message.objects.filter(direction="out").count() == 0


def test_conversation_page_shows_messages_labels_and_customer(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    message = conversation.messages.get()
    Annotation.objects.create(message=message, annotator="topic", version="1", label="Störung")
    response = agent_client.get(f"/conversations/{conversation.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Text 0" in content
    assert "Störung" in content
    assert conversation.customer.display_name in content


def test_conversation_page_without_annotations_renders(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = agent_client.get(f"/conversations/{conversation.pk}/")
    assert response.status_code == 200
    assert b"sentiment-" not in response.content


def test_htmx_reply_is_sent_through_the_fake_channel(
    agent_client, agent, fake_account, django_capture_on_commit_callbacks
):
    conversation = conversations(fake_account, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            f"/conversations/{conversation.pk}/reply",
            {"text": "Wir kümmern uns, ^MK"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    reply = Message.objects.get(direction="out")
    assert (reply.text, reply.author_agent, reply.visibility) == ("Wir kümmern uns, ^MK", agent, "public")
    assert 'data-delivery="pending"' in response.content.decode()  # the send runs after the commit
    assert "<html" not in response.content.decode()
    assert OutboundDelivery.objects.get().status == "sent"
    assert 'data-delivery="sent"' in agent_client.get(f"/conversations/{conversation.pk}/").content.decode()


def test_empty_reply_is_refused_and_nothing_stored(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = agent_client.post(
        f"/conversations/{conversation.pk}/reply", {"text": "   "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "Eine Antwort braucht Text" in response.content.decode()
    assert Message.objects.filter(direction="out").count() == 0


def test_status_change_through_htmx(agent_client, agent, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = agent_client.post(
        f"/conversations/{conversation.pk}/status", {"status": "solved"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'data-status="solved"' in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == "solved"
    entry = TimelineEntry.objects.get(kind="status_changed")
    assert (entry.actor, entry.data) == (agent, {"from": "new", "to": "solved"})


def test_unknown_status_is_refused(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = agent_client.post(
        f"/conversations/{conversation.pk}/status", {"status": "weg"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.status == "new"
    assert not TimelineEntry.objects.filter(kind="status_changed").exists()


def test_pages_need_a_login(client):
    for url in ("/", "/conversations/1/", "/dev/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def admin_client(workspace) -> Client:
    admin = AgentFactory(workspace=workspace, role=Agent.Role.ADMIN)
    client = Client()
    assert client.login(username=admin.user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(("role", "status"), [("agent", 404), ("lead", 404), ("admin", 200)])
def test_dev_panel_is_for_admins_only(workspace, role, status):
    agent = AgentFactory(workspace=workspace, role=role)
    client = Client()
    assert client.login(username=agent.user.username, password=PASSWORD)
    assert client.get("/dev/").status_code == status


def test_dev_panel_injects_a_message_through_the_fake_channel(
    workspace, fake_account, django_capture_on_commit_callbacks
):
    client = admin_client(workspace)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dev/",
            {
                "account": fake_account.pk,
                "handle": "@Kalle",
                "name": "Kalle",
                "text": "Alles weg in 04109",
                "postal_code": "04109",
            },
        )
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.status, event.external_id.startswith("dev-")) == ("processed", True)
    message = Message.objects.get()
    assert message.author_identity is not None
    assert (message.text, message.author_identity.handle, message.channel_account) == (
        "Alles weg in 04109",
        "kalle",
        fake_account,
    )
    assert message.author_identity.customer.postal_code == "04109"


def test_dev_panel_refuses_a_message_without_sender_and_stores_nothing(workspace, fake_account):
    client = admin_client(workspace)
    response = client.post("/dev/", {"account": fake_account.pk, "handle": "", "text": "Hallo"})
    assert response.status_code == 400
    assert "author.handle" in response.content.decode()
    assert InboundEvent.objects.count() == 0


def test_english_is_available(agent_client, fake_account):
    conversations(fake_account, 1)
    german = agent_client.get("/").content.decode()
    english = agent_client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "Posteingang" in german and ">neu<" in german
    assert "Inbox" in english and ">new<" in english and "Posteingang" not in english


def test_hostile_text_is_rendered_escaped_in_inbox_and_conversation(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    Message.objects.filter(conversation=conversation).update(text="<script>alert('x')</script>")
    Conversation.objects.filter(pk=conversation.pk).update(subject="<img src=x onerror=alert(1)>")
    for url in ("/?status=all", f"/conversations/{conversation.pk}/"):
        content = agent_client.get(url).content.decode()
        assert "<script>alert" not in content and "<img src=x" not in content
        assert "&lt;script&gt;" in content or "&lt;img" in content


def test_delivery_badge_polls_while_pending_and_stops_when_sent(agent_client, agent, fake_account):
    conversation = conversations(fake_account, 1)[0]
    from resonanz.channels.replies import do_send_reply

    reply = do_send_reply(agent, conversation, "Wir sind dran.")  # no commit callbacks: the send waits
    url = f"/conversations/{conversation.pk}/messages/{reply.pk}/delivery"

    pending = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    OutboundDelivery.objects.filter(message=reply).update(status="sent")
    sent = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert 'data-delivery="pending"' in pending and 'hx-trigger="every 1s"' in pending
    assert 'data-delivery="sent"' in sent and "hx-trigger" not in sent


def test_delivery_badge_of_another_workspace_is_404(agent_client, agent):
    other = WorkspaceFactory(slug="fremd", name="Fremd")
    foreign = conversations(ChannelAccountFactory(workspace=other), 1)[0]
    foreign_agent = Agent.objects.get(pk=AgentFactory(workspace=other).pk)
    from resonanz.channels.replies import do_send_reply

    reply = do_send_reply(foreign_agent, foreign, "Hallo")
    response = agent_client.get(f"/conversations/{foreign.pk}/messages/{reply.pk}/delivery")
    assert response.status_code == 404


# The workspace actions (issue 13): the labels of all messages, the topics, the colleagues and the teams (the
# annotations prefetch went: -1); the reply's recipient is found among the thread's messages (decision 0854: -1).
CONVERSATION_QUERIES = 13


@pytest.mark.parametrize("extra_messages", [0, 6])
def test_conversation_page_query_count_does_not_grow_with_messages(
    agent_client, fake_account, extra_messages
):
    conversation = conversations(fake_account, 1)[0]
    for i in range(extra_messages):
        message = MessageFactory(conversation=conversation, text=f"Nachtrag {i}")
        Annotation.objects.create(message_id=message.pk, annotator="sentiment", version="1", label="negative")
    with assert_database_query_count(CONVERSATION_QUERIES):
        response = agent_client.get(f"/conversations/{conversation.pk}/")
    assert response.content.count(b"data-message=") == 1 + extra_messages


def test_mine_and_team_filters(agent_client, agent, workspace, fake_account):
    from resonanz.workspaces.actions import do_ensure_team

    billing = do_ensure_team(workspace, "Abrechnung")
    owned = conversations(fake_account, 1, owner=agent)[0]
    for_billing = conversations(fake_account, 1, team=billing)[0]
    conversations(fake_account, 1)

    mine = agent_client.get("/?status=mine").content.decode()
    team = agent_client.get(f"/?status=all&team={billing.pk}").content.decode()

    assert mine.count("data-conversation=") == 1 and f'data-conversation="{owned.pk}"' in mine
    assert team.count("data-conversation=") == 1 and f'data-conversation="{for_billing.pk}"' in team


def test_a_refused_reply_is_swapped_into_its_own_pane(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = agent_client.post(
        f"/conversations/{conversation.pk}/reply", {"text": "   "}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "HX-Retarget" not in response.headers
    assert 'class="reply card"' in response.content.decode()


@pytest.mark.parametrize("path", ["reply", "status"])
def test_htmx_errors_without_a_partial_go_to_the_error_area(agent_client, fake_account, path):
    conversation = conversations(fake_account, 1)[0]
    Conversation.objects.filter(pk=conversation.pk).delete()
    response = agent_client.post(
        f"/conversations/{conversation.pk}/{path}",
        {"text": "x", "status": "solved"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#errors", "innerHTML")
    assert "nicht (mehr) gefunden" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_an_expired_session_tells_the_agent_to_reload(agent, fake_account):
    conversation = conversations(fake_account, 1)[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    response = client.post(
        f"/conversations/{conversation.pk}/status", {"status": "solved"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#errors"
    assert "neu laden" in response.content.decode()
    assert Conversation.objects.get(pk=conversation.pk).status != "solved"


def test_errors_of_full_page_requests_stay_pages(agent_client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    Conversation.objects.filter(pk=conversation.pk).delete()
    response = agent_client.get(f"/conversations/{conversation.pk}/")
    assert response.status_code == 404
    assert "HX-Retarget" not in response.headers


def test_an_htmx_request_without_a_session_sends_the_browser_to_the_login(client, fake_account):
    conversation = conversations(fake_account, 1)[0]
    response = client.get("/?status=open", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login/?next=/%3Fstatus%3Dopen"
    assert client.get(f"/conversations/{conversation.pk}/").status_code == 302  # full pages: a plain redirect
