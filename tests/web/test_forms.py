"""The agent UI's forms parse posts exactly as the views did by hand; the actions keep deciding."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils.translation import gettext as _

from resonanz.channels.models import ChannelAccount
from resonanz.core.errors import InvalidInput
from resonanz.testing.factories import AgentFactory
from resonanz.web.forms import (
    AgentForm,
    AnnouncementForm,
    ArticleForm,
    BulkForm,
    MacroForm,
    MarkReadForm,
    MergeForm,
    PriorityForm,
    ReplyForm,
    RuleTargetForm,
    TextForm,
    TransferForm,
    VoteForm,
    WorkspaceForm,
    read,
    typed,
)
from resonanz.workspaces.models import ApiToken


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_text_is_kept_as_typed_and_missing_is_empty():
    assert read(TextForm, q("text=%20%20Hallo%20"))["text"] == "  Hallo "
    assert read(TextForm, q(""))["text"] == ""
    assert read(TextForm, q("text=a%00b"))["text"] == "a\x00b"  # the action decides


def test_reply_private_only_for_1():
    assert read(ReplyForm, q("text=x&private=1&idempotency_key=k")) == {
        "text": "x",
        "private": True,
        "idempotency_key": "k",
    }
    assert read(ReplyForm, q("private=on"))["private"] is False


def test_transfer_target_and_note():
    posted = read(TransferForm, q("to=team:12&note=%20weil%20"))
    assert (posted["kind"], posted["target_id"], posted["note"]) == ("team", 12, "weil")
    assert read(TransferForm, q("to=agent:x"))["target_id"] == 0
    assert read(TransferForm, q(""))["kind"] == ""


def test_numbers_are_coerced_leniently():
    assert read(PriorityForm, q("priority=-1"))["priority"] == -1
    assert read(PriorityForm, q("priority=2"))["priority"] == 2
    assert read(PriorityForm, q("priority=hoch"))["priority"] == -1
    assert read(MergeForm, q("source_customer_id=%20%23123"))["source_customer_id"] == 123
    assert read(MergeForm, q("source_customer_id=abc"))["source_customer_id"] is None


def test_repeated_ids_drop_what_is_not_a_number():
    posted = read(BulkForm, q("id=3&id=x&id=5&action=assign&agent=7&next=/"))
    assert (posted["id"], posted["action"], posted["agent"], posted["next"]) == ([3, 5], "assign", 7, "/")
    assert read(MarkReadForm, q(""))["id"] == []


def test_digits_that_int_refuses_or_the_database_cannot_hold_are_no_numbers():
    # "²".isdigit() is true but int("²") raises: it used to escape the lenient forms as a 500.
    assert read(MarkReadForm, q("id=%C2%B2&id=4&id=99999999999999999999"))["id"] == [4]
    assert read(PriorityForm, q("priority=%C2%B2"))["priority"] == -1
    assert read(MergeForm, q("source_customer_id=%C2%B9"))["source_customer_id"] is None


def test_a_field_that_cannot_parse_refuses_with_its_message_and_typed_keeps_the_text():
    post = q("title=Wartung&public_text=%20Nachts%20&starts_at=morgen&ends_at=2026-12-08T04:00")
    with pytest.raises(InvalidInput) as refused:
        read(AnnouncementForm, post)
    assert refused.value.message == "Beginn: kein gültiges Datum mit Uhrzeit."
    assert typed(AnnouncementForm, post) == {
        "title": "Wartung",
        "public_text": " Nachts ",
        "starts_at": "morgen",
        "ends_at": "2026-12-08T04:00",
    }
    with pytest.raises(InvalidInput, match="Version unbekannt"):
        read(ArticleForm, q("base_version=%C2%B2"))
    assert read(ArticleForm, q("base_version="))["base_version"] is None
    assert read(ArticleForm, q("base_version=%207%20"))["base_version"] == 7


def test_announcement_defaults_and_vote_values_as_the_views_had_them():
    posted = read(
        AnnouncementForm, q("starts_at=2026-12-07T22:00&ends_at=07.12.2026%2023:00&regions=A,%20,B")
    )
    assert (posted["kind"], posted["regions"], posted["publish"]) == ("maintenance", ["A", "B"], False)
    assert posted["starts_at"].tzinfo is not None
    assert (
        read(AnnouncementForm, q("kind=&starts_at=2026-12-07T22:00&ends_at=2026-12-07T23:00"))["kind"] == ""
    )
    assert [read(VoteForm, q(text))["value"] for text in ("", "value=1", "value=-1", "value=x")] == [
        1,
        1,
        -1,
        -1,
    ]


# --- The converted views: invalid input gets the same status and message as when they read the post by hand
@pytest.fixture
def admin(workspace):
    return AgentFactory(workspace=workspace, role="admin", display_name="Ada Admin")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin.user)
    return client


def refused(response: Any, status: int, message: str) -> None:
    assert response.status_code == status
    assert message in response.content.decode()


@pytest.mark.django_db
def test_agent_and_token_numbers_that_are_not_numbers(admin_client, admin):
    refused(
        admin_client.post(
            "/settings/agents/", {"username": "bea", "password": "lang-genug-1", "capacity": "x"}
        ),
        400,
        _("Kapazität: bitte eine Zahl."),
    )
    refused(
        admin_client.post(f"/settings/agents/{admin.pk}/", {"display_name": "Ada", "capacity": "viele"}),
        400,
        _("Kapazität: bitte eine Zahl."),
    )
    response = admin_client.post(
        "/settings/tokens/", {"name": "Shop", "agent": str(admin.pk), "expires": "bald"}
    )
    refused(response, 400, _("Ablauf: bitte eine Zahl von Tagen."))
    assert 'value="Shop"' in response.content.decode()  # shown again as typed
    refused(
        admin_client.post("/settings/tokens/", {"name": "Shop", "agent": "x"}),
        400,
        _("Bitte eine Servicekraft oder Integration wählen."),
    )
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_agent_edit_leaves_what_was_not_posted(admin_client, workspace):
    other = AgentFactory(workspace=workspace, role="lead", display_name="Bea")
    response = admin_client.post(f"/settings/agents/{other.pk}/", {"active": "on", "languages": "de"})
    assert response.status_code == 200
    other.refresh_from_db()
    assert (other.display_name, other.role) == ("Bea", "lead")
    refused(
        admin_client.post(f"/settings/agents/{other.pk}/", {"display_name": " ", "languages": "de"}),
        400,
        "Anzeigename: darf nicht leer sein",
    )


@pytest.mark.django_db
def test_presence_and_channel_actions_refuse_unknown_values(admin_client, workspace):
    refused(admin_client.post("/presence/", {"presence": "urlaub"}), 400, "Unbekannte Anwesenheit „urlaub“")
    assert admin_client.post("/team/", {"agent": "x", "presence": "online"}).status_code == 404
    account = ChannelAccount.objects.create(workspace=workspace, kind="webhook", name="Shop")
    refused(
        admin_client.post(f"/settings/channels/{account.pk}/action", {"action": "sprengen"}),
        400,
        _("Unbekannte Aktion."),
    )


@pytest.mark.django_db
def test_workspace_threshold_and_sla_minutes_that_are_not_numbers(admin_client):
    refused(
        admin_client.post("/settings/workspace/", {"name": "Firma", "response_rate_threshold": "viel"}),
        400,
        _("Antwortquote: bitte eine Zahl in Prozent."),
    )
    refused(
        admin_client.post("/settings/sla/", {"channel_kind": "", "first_response_minutes": "bald"}),
        400,
        _("Bitte ganze Minuten angeben."),
    )


@pytest.mark.django_db
def test_first_run_and_invitation_refuse_different_passwords():
    response = Client().post(
        "/setup/",
        {"company": " Firma ", "username": "ada", "password": "lang-genug-1", "password_again": "x"},
    )
    refused(response, 400, _("Die beiden Passwörter sind verschieden."))
    assert 'value="Firma"' in response.content.decode()


def test_settings_forms_tell_missing_from_empty_and_keep_ticked_values():
    assert read(AgentForm, q(""))["display_name"] is None
    assert read(AgentForm, q("display_name=&teams=2&teams=x"))["display_name"] == ""
    assert read(AgentForm, q("teams=2&teams=x"))["teams"] == [2]
    assert read(MacroForm, q("channel_kinds=x&channel_kinds=email&macro=7")) | {"name": ""} == {
        "name": "",
        "language": "",
        "text": "",
        "channel_kinds": ["x", "email"],
        "macro": 7,
    }
    assert read(WorkspaceForm, q("hours_mon=9-17"), weekdays=("mon", "tue"))["hours_tue"] == ""
    assert read(RuleTargetForm, q("rule=abc"))["rule"] is None
