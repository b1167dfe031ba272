"""Relevance that does something: listening noise goes to the inbox's noise view, is not routed and is
nobody's load; an agent moves a post in or out with one click."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from resonanz.routing.pipeline import route_messages
from resonanz.routing.snapshots import open_count_of
from resonanz.testing.factories import ChannelAccountFactory, ConversationFactory, MessageFactory
from resonanz.understanding.actions import do_correct_annotation
from resonanz.understanding.pipeline import annotate_messages
from resonanz.web.queries import InboxFilter, inbox_conversations, status_counts
from tests.understanding.test_cli import relevance_rows, write_jsonl

pytestmark = pytest.mark.django_db


@pytest.fixture
def listening(workspace):
    return ChannelAccountFactory(workspace=workspace, is_public=True)


def public_post(account, text):
    conversation = ConversationFactory(channel_account=account, is_public=True)
    message = MessageFactory(conversation=conversation, text=text, visibility="public")
    return conversation, message


def process(message):
    annotate_messages([message.pk])
    route_messages([message.pk])


@pytest.fixture
def relevance_model(tmp_path, workspace):
    data = write_jsonl(tmp_path / "relevance.jsonl", relevance_rows())
    call_command(
        "train", "--task", "relevance", "--data", str(data), "--out", str(tmp_path / "r.npz"),
        "--workspace", workspace.slug, "--context-terms", "netzwelt", stdout=StringIO(),
    )  # fmt: skip


def ids(agent, status):
    return {c.pk for c in inbox_conversations(agent, InboxFilter(status=status))}


def test_noise_is_not_routed_and_only_in_the_noise_view(agent, listening, relevance_model):
    noise, noise_message = public_post(listening, "Volleyballnetz gerissen im Garten")
    about_us, about_us_message = public_post(listening, "Netzwelt Internet ist weg")
    process(noise_message)
    process(about_us_message)
    noise.refresh_from_db()
    about_us.refresh_from_db()
    assert (noise.is_noise, noise.owner_id) == (True, None)
    assert (about_us.is_noise, about_us.owner_id) == (False, agent.pk)
    assert open_count_of(agent.pk) == 1
    assert ids(agent, "open") == {about_us.pk}
    assert ids(agent, "all") == {about_us.pk}
    assert ids(agent, "noise") == {noise.pk}
    counts = status_counts(agent)
    assert (counts["open"], counts["noise"]) == (1, 1)


def test_without_a_relevance_model_nothing_is_hidden(agent, listening):
    conversation, message = public_post(listening, "Volleyballnetz gerissen im Garten")
    process(message)
    conversation.refresh_from_db()
    assert (conversation.is_noise, conversation.owner_id) == (False, agent.pk)
    assert ids(agent, "noise") == set()


def test_one_click_moves_a_post_out_of_and_into_the_noise(
    agent, listening, relevance_model, django_capture_on_commit_callbacks
):
    conversation, message = public_post(listening, "Volleyballnetz gerissen im Garten")
    process(message)
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # routing is asked for after the correction commits
        do_correct_annotation(agent, message, "relevance", "true")
    conversation.refresh_from_db()
    assert (conversation.is_noise, conversation.owner_id) == (False, agent.pk)  # routed at once
    annotate_messages([message.pk])  # the model's judgement does not override the agent's
    conversation.refresh_from_db()
    assert conversation.is_noise is False
    do_correct_annotation(agent, message, "relevance", "false")
    conversation.refresh_from_db()
    assert (conversation.is_noise, conversation.owner_id) == (True, None)
    assert open_count_of(agent.pk) == 0


def test_the_conversation_page_marks_a_post_as_noise(agent, agent_client, listening):
    conversation, message = public_post(listening, "Netzwelt Router kaputt")
    page = agent_client.get(f"/conversations/{conversation.pk}/")
    assert "Als Rauschen markieren" in page.content.decode()
    response = agent_client.post(
        f"/conversations/{conversation.pk}/messages/{message.pk}/relevance", {"relevant": "false"}
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.is_noise is True
    page = agent_client.get(f"/conversations/{conversation.pk}/")
    assert "Ist relevant" in page.content.decode()
    assert (
        agent_client.post(
            f"/conversations/{conversation.pk}/messages/{message.pk}/relevance", {"relevant": "maybe"}
        ).status_code
        == 400
    )


def test_the_scheduler_trains_and_installs_a_relevance_model_from_corrections(
    settings, tmp_path, agent, agent_client, listening
):
    from resonanz.understanding.actions import do_train_relevance
    from resonanz.understanding.models import WorkspaceModel
    from resonanz.understanding.tasks import MIN_CORRECTIONS, workspaces_due_for_relevance_training

    settings.DATA_DIR = tmp_path
    workspace = agent.workspace
    about_us = ["Netzwelt Internet ist weg", "Netzwelt Router kaputt", "Netzwelt Rechnung falsch"]
    noise = ["Volleyballnetz gerissen", "Fischernetz im Garten", "Modelleisenbahn im Netz"]
    for i in range(MIN_CORRECTIONS // 2 - 1):
        _, message = public_post(listening, f"{about_us[i % 3]} seit {i} Tagen")
        do_correct_annotation(agent, message, "relevance", "true")
        _, message = public_post(listening, f"{noise[i % 3]} Nummer {i}")
        do_correct_annotation(agent, message, "relevance", "false")
    assert workspaces_due_for_relevance_training() == []  # 198 corrections: not yet
    _, message = public_post(listening, "Netzwelt Hotline erreicht niemand")
    do_correct_annotation(agent, message, "relevance", "true")
    _, message = public_post(listening, "Tennisnetz kaputt")
    do_correct_annotation(agent, message, "relevance", "false")
    assert workspaces_due_for_relevance_training() == [workspace.pk]

    record = do_train_relevance(workspace)
    assert record["installed"] is True
    installed = WorkspaceModel.objects.get(workspace=workspace, task="relevance")
    held_out = installed.trained_on["held_out"]
    assert held_out["held_out"] == 50
    assert held_out["baseline_name"] == "none"
    assert held_out["model"]["micro_f1"] >= held_out["baseline"]["micro_f1"]
    assert workspaces_due_for_relevance_training() == []  # trained on these: not again until 25% more

    conversation, message = public_post(listening, "Volleyballnetz gerissen beim Training")
    process(message)
    conversation.refresh_from_db()
    assert (conversation.is_noise, conversation.owner_id) == (True, None)
    page = agent_client.get("/?status=noise").content.decode()
    assert "Relevanzmodell aus 200 Korrekturen" in page
