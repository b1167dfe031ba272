"""factory-boy factories for tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Conversation, Message
from resonanz.customers.models import Customer, Identity
from resonanz.workspaces.models import Agent, Workspace

PASSWORD = "geheim-123"


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        django_get_or_create = ("slug",)

    name = "Netzwelt Kommunikation"
    slug = "netzwelt"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"agent{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    display_name = factory.Sequence(lambda n: f"Mia Kramer {n}")
    initials = "MK"
    presence = Agent.Presence.ONLINE


class ChannelAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelAccount

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "fake"
    name = "Fake X"
    secret = "test-secret"
    config: Any = factory.LazyFunction(lambda: {"imitates": "x"})
    is_public = True


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    workspace = factory.SubFactory(WorkspaceFactory)
    display_name = factory.Sequence(lambda n: f"Kundin {n}")


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    workspace = factory.SelfAttribute("customer.workspace")
    kind = "x"
    handle = factory.Sequence(lambda n: f"kunde{n}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    channel_account = factory.SubFactory(ChannelAccountFactory)
    workspace = factory.SelfAttribute("channel_account.workspace")
    customer = factory.SubFactory(CustomerFactory, workspace=factory.SelfAttribute("..workspace"))
    subject = "Internet weg"
    created_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    workspace = factory.SelfAttribute("conversation.workspace")
    channel_account = factory.SelfAttribute("conversation.channel_account")
    direction = Message.Direction.INBOUND
    text = "Seit heute früh kein Internet in 50667 Köln"
    external_id = factory.Sequence(lambda n: f"msg-{n}")
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))
    received_at = factory.LazyFunction(timezone.now)


def event(
    external_id: str, text: str = "Hallo, mein Router blinkt rot.", handle: str = "anna", **extra: Any
) -> dict[str, Any]:
    """A generic webhook event."""
    body: dict[str, Any] = {
        "id": external_id,
        "author": {"handle": handle, "name": handle.title()},
        "text": text,
    }
    body.update(extra)
    return body
