"""Typed shortcuts over the shared factories for this app's tests."""

from __future__ import annotations

from typing import Any, cast

from resonanz.conversations.models import Message
from resonanz.testing.factories import AgentFactory, MessageFactory
from resonanz.workspaces.models import Agent, Workspace


def make_agent(workspace: Workspace) -> Agent:
    return cast(Agent, AgentFactory(workspace=workspace))


def make_message(workspace: Workspace, text: str, **extra: Any) -> Message:
    return cast(
        Message, MessageFactory(conversation__channel_account__workspace=workspace, text=text, **extra)
    )
