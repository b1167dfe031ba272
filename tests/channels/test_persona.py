"""Agent persona: signatures on public replies (table-driven), and the agent's name and photo."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from resonanz.channels.base import ChannelAdapter
from resonanz.channels.models import OutboundDelivery
from resonanz.channels.outbound import request_for
from resonanz.channels.spec import ChannelSpec
from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.testing.factories import ConversationFactory, MessageFactory
from resonanz.workspaces.models import Agent
from resonanz.workspaces.persona import check_photo_url, do_update_agent_persona, sign_text, signature_for


@pytest.mark.parametrize(
    ("style", "first_name", "initials", "signature"),
    [
        ("initials", "Mia", "MK", "^MK"),
        ("first_name", "Mia", "MK", "– Mia"),
        ("none", "Mia", "MK", ""),
        ("initials", "Mia", "", ""),
        ("first_name", "", "MK", ""),
        ("unknown", "Mia", "MK", ""),
        ("initials", "Mia", " JS ", "^JS"),
    ],
)
def test_signature_for(style, first_name, initials, signature):
    assert signature_for(style, first_name=first_name, initials=initials) == signature


X = 280


@pytest.mark.parametrize(
    ("text", "style", "max_length", "signed"),
    [
        ("Wir kümmern uns.", "initials", None, "Wir kümmern uns. ^MK"),
        ("Wir kümmern uns.", "first_name", None, "Wir kümmern uns. – Mia"),
        ("Wir kümmern uns.", "none", None, "Wir kümmern uns."),
        ("Wir kümmern uns.  \n", "initials", None, "Wir kümmern uns. ^MK"),
        ("Wir kümmern uns. ^MK", "initials", None, "Wir kümmern uns. ^MK"),  # typed by the agent: not twice
        ("Wir kümmern uns. – Mia", "first_name", None, "Wir kümmern uns. – Mia"),
        ("x" * 276, "initials", X, "x" * 276 + " ^MK"),  # exactly 280: fits
        ("wort " * 60, "initials", X, ("wort " * 55).rstrip() + "… ^MK"),  # 300 chars: cut at a word
        ("y" * 300, "first_name", X, "y" * 273 + "… – Mia"),  # one long word: hard cut
        ("Hallo Welt", "initials", 8, "Hal… ^MK"),
        ("Hallo Welt", "initials", 5, "Hall…"),  # no room for both: keep the words
        ("y" * 300, "none", X, "y" * 279 + "…"),
    ],
    ids=[
        "initials",
        "first-name",
        "none",
        "trailing-space",
        "already-initials",
        "already-name",
        "exact-fit",
        "cut-at-word",
        "hard-cut",
        "tiny-limit",
        "too-short-for-signature",
        "none-too-long",
    ],
)
def test_sign_text(text, style, max_length, signed):
    result = sign_text(text, style=style, first_name="Mia", initials="MK", max_length=max_length)
    assert result == signed
    if max_length is not None:
        assert len(result) <= max_length


class _ShortChannel(ChannelAdapter):
    kind = "short"
    identity_kind = "x"
    capabilities: ClassVar = frozenset({"reply"})
    max_text_length = 40


class _ThreadingChannel(_ShortChannel):
    kind = "threads"
    capabilities: ClassVar = frozenset({"reply", "thread"})


@pytest.fixture
def extra_adapters(monkeypatch):
    from resonanz.channels import registry

    specs = registry._load()
    monkeypatch.setitem(specs, "short", ChannelSpec(adapter=_ShortChannel, label="short"))
    monkeypatch.setitem(specs, "threads", ChannelSpec(adapter=_ThreadingChannel, label="threads"))


def delivery_for(account, text: str, *, is_public: bool) -> OutboundDelivery:
    message: Any = MessageFactory(
        conversation=ConversationFactory(channel_account=account), direction="out", external_id=""
    )
    return OutboundDelivery.objects.create(
        channel_account=account,
        message=message,
        action="reply" if is_public else "direct_message",
        idempotency_key=f"message-{message.pk}",
        payload={"text": text, "is_public": is_public, "agent_name": "Mia Kramer", "agent_initials": "MK"},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("style", "kind", "is_public", "sent"),
    [
        ("initials", "fake", True, "Ist behoben. ^MK"),
        ("first_name", "fake", True, "Ist behoben. – Mia"),
        ("none", "fake", True, "Ist behoben."),
        ("initials", "fake", False, "Ist behoben."),  # private messages are not signed
        ("first_name", "short", True, "Ist behoben. – Mia"),
    ],
)
def test_request_for_signs_public_replies(fake_account, extra_adapters, style, kind, is_public, sent):
    fake_account.workspace.signature_style = style
    fake_account.workspace.save()
    fake_account.kind = kind
    fake_account.save()
    delivery = delivery_for(fake_account, "Ist behoben.", is_public=is_public)
    assert (
        request_for(OutboundDelivery.objects.select_related("channel_account").get(pk=delivery.pk)).text
        == sent
    )
    delivery.refresh_from_db()
    assert delivery.payload["text"] == "Ist behoben."  # the stored delivery keeps the agent's words


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "sent"),
    [
        ("short", "Die Störung in Köln ist seit 14 Uhr… ^MK"),  # fits the channel's 40 characters
        ("threads", "Die Störung in Köln ist seit 14 Uhr behoben. ^MK"),  # the channel splits into a thread
    ],
)
def test_signature_fits_the_channels_limit(fake_account, extra_adapters, kind, sent):
    fake_account.kind = kind
    fake_account.save()
    delivery = delivery_for(fake_account, "Die Störung in Köln ist seit 14 Uhr behoben.", is_public=True)
    text = request_for(OutboundDelivery.objects.select_related("channel_account").get(pk=delivery.pk)).text
    assert text == sent


@pytest.mark.django_db
def test_public_reply_goes_out_signed_end_to_end(
    fake_account, agent, django_capture_on_commit_callbacks, monkeypatch
):
    from resonanz.channels.fake.adapter import FakeAdapter
    from resonanz.channels.replies import do_send_reply

    sent: list[str] = []
    original = FakeAdapter.send_outbound

    def recording_send(self, account, request):
        sent.append(request.text)
        return original(self, account, request)

    monkeypatch.setattr(FakeAdapter, "send_outbound", recording_send)
    inbound: Any = MessageFactory(conversation__channel_account=fake_account)
    conversation = inbound.conversation
    conversation.is_public = True
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, conversation, "Danke für die Geduld!")
    assert sent == ["Danke für die Geduld! ^MK"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://cdn.netzwelt.example/agents/mia.jpg", True),
        ("http://intranet/mia.png", True),
        ("/media/agents/mia.png", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("//evil.example/x.png", False),
        ('https://x.example/a.png" onerror="alert(1)', False),
        ("data:image/png;base64,AAAA", False),
        ("https://x.example/" + "a" * 290, False),
    ],
)
def test_check_photo_url(url, ok):
    if ok:
        assert check_photo_url(url) == url
    else:
        with pytest.raises(InvalidInput):
            check_photo_url(url)


@pytest.mark.django_db
def test_update_persona_is_audited_and_only_changes_what_differs(agent):
    do_update_agent_persona(agent, display_name="  Mia   Kramer ", initials="MK", photo_url="/media/mia.png")
    agent.refresh_from_db()
    assert (agent.display_name, agent.initials, agent.photo_url) == ("Mia Kramer", "MK", "/media/mia.png")
    entry = AuditEntry.objects.get(action="agent.persona_changed")
    assert entry.data == {"display_name": "Mia Kramer", "photo_url": "/media/mia.png"}
    do_update_agent_persona(agent, initials="MK")
    assert AuditEntry.objects.filter(action="agent.persona_changed").count() == 1


def test_get_me(agent_client, agent):
    response = agent_client.get("/api/agents/me")
    assert response.status_code == 200
    assert response.json() == {
        "id": agent.pk,
        "display_name": agent.display_name,
        "first_name": "Mia",
        "initials": "MK",
        "photo_url": "",
        "signature_style": "initials",
        "signature_example": "Wir kümmern uns darum. ^MK",
    }


def test_patch_me(agent_client, agent):
    response = agent_client.patch(
        "/api/agents/me",
        data={"display_name": "Jonas Schmidt", "initials": "JS", "photo_url": "https://cdn.example/js.jpg"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["first_name"], response.json()["signature_example"]) == (
        "Jonas",
        "Wir kümmern uns darum. ^JS",
    )
    agent.refresh_from_db()
    assert (agent.display_name, agent.initials, agent.photo_url) == (
        "Jonas Schmidt",
        "JS",
        "https://cdn.example/js.jpg",
    )


@pytest.mark.parametrize(
    "body",
    [{"photo_url": "javascript:alert(1)"}, {"initials": "M K"}, {"display_name": "   "}, {"initials": ""}],
)
def test_patch_me_rejects_bad_values_and_changes_nothing(agent_client, agent, body):
    before = Agent.objects.values("display_name", "initials", "photo_url").get(pk=agent.pk)
    response = agent_client.patch("/api/agents/me", data=body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert Agent.objects.values("display_name", "initials", "photo_url").get(pk=agent.pk) == before


@pytest.mark.django_db
def test_agents_me_needs_an_agent(client):
    assert client.get("/api/agents/me").status_code == 401
