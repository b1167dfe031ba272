"""The understanding endpoints: labels of a message, an agent's correction, the topics; permissions."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client

from resonanz.testing.factories import WorkspaceFactory
from resonanz.understanding.actions import do_ensure_default_topics
from resonanz.understanding.models import Correction
from resonanz.understanding.pipeline import annotate_messages
from resonanz.workspaces.models import Workspace
from tests.understanding.factories import make_message

pytestmark = pytest.mark.django_db(transaction=False)


def test_agent_reads_labels_and_corrects_one(agent_client, workspace):
    do_ensure_default_topics(workspace)
    message = make_message(workspace, "Mein Router blinkt rot")
    annotate_messages([message.pk])
    url = f"/api/understanding/messages/{message.pk}/annotations"
    labels = agent_client.get(url).json()
    assert labels["topic"]["label"] == "geraet"
    assert labels["urgency"] == {
        "label": "normal",
        "score": None,
        "version": "rules-1",
        "data": {"reasons": [], "matches": {}},
    }
    response = agent_client.post(f"{url}/topic", data={"label": "stoerung"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["topic"]["label"] == "stoerung"
    assert response.json()["topic"]["version"] == "agent"
    assert Correction.objects.get().label == "stoerung"


def test_invalid_label_is_refused(agent_client, workspace):
    message = make_message(workspace, "Hallo")
    response = agent_client.post(
        f"/api/understanding/messages/{message.pk}/annotations/sentiment",
        data={"label": "wütend"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Correction.objects.count() == 0


def test_other_workspace_message_is_not_found(agent_client):
    other = cast(Workspace, WorkspaceFactory(slug="andere", name="Andere"))
    message = make_message(other, "Hallo")
    url = f"/api/understanding/messages/{message.pk}/annotations"
    assert agent_client.get(url).status_code == 404
    response = agent_client.post(
        f"{url}/sentiment", data={"label": "negative"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert Correction.objects.count() == 0


def test_anonymous_is_refused(workspace):
    message = make_message(workspace, "Hallo")
    assert Client().get(f"/api/understanding/messages/{message.pk}/annotations").status_code == 401
    assert Client().get("/api/understanding/topics").status_code == 401


def test_topics_list(agent_client, workspace):
    do_ensure_default_topics(workspace)
    topics = agent_client.get("/api/understanding/topics").json()
    assert sorted(t["slug"] for t in topics) == [
        "geraet", "kuendigung", "lieferung", "lob", "rechnung", "stoerung", "termin", "vertrag", "zahlungsschwierigkeiten",
    ]  # fmt: skip
    assert next(t for t in topics if t["slug"] == "zahlungsschwierigkeiten")["is_private"] is True
