"""Kinds of timeline entries, audit entries and notifications read as words in German and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from resonanz.conversations.models import Notification, TimelineEntry
from resonanz.core.models import AuditEntry
from resonanz.web.templatetags.resonanz_web import audit_label, notification_label, timeline_label


@pytest.mark.parametrize(
    ("label", "value", "german", "english"),
    [
        (timeline_label, "transferred", "übergeben", "transferred"),
        (timeline_label, "moved_private", "in eine private Nachricht verlegt", "moved to a private message"),
        (audit_label, "customer.merged", "Kunden zusammengeführt", "customers merged"),
        (notification_label, "mention", "Erwähnung", "mention"),
    ],
)
def test_a_kind_reads_as_words_in_both_languages(label, value, german, english):
    with translation.override("de"):
        assert label(value) == german
    with translation.override("en"):
        assert label(value) == english


@pytest.mark.parametrize("choices", [TimelineEntry.Kind, AuditEntry.Action, Notification.Kind])
def test_every_kind_has_an_english_label_of_its_own(choices):
    for kind in choices:
        with translation.override("de"):
            german = str(kind.label)
        with translation.override("en"):
            english = str(kind.label)
        assert english != german, f"{kind.value}: no English translation"


def test_an_unknown_kind_from_an_older_version_reads_as_plain_words():
    assert timeline_label("some_old_kind") == "some old kind"


def test_the_audit_log_shows_actions_as_words(client, workspace):
    from resonanz.testing.factories import AgentFactory
    from resonanz.workspaces.actions import do_create_api_token

    admin: Any = AgentFactory(workspace=workspace, role="admin")
    do_create_api_token(admin, "Telefonanlage")
    client.force_login(admin.user)
    page = client.get("/settings/audit/").content.decode()
    assert "API-Token erstellt" in page
