"""The reusable components (resonanz/web/templatetags/components.py) and their library page /dev/components."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone

from resonanz.conversations.models import TimelineEntry
from resonanz.testing.factories import PASSWORD, AgentFactory, ConversationFactory, MessageFactory
from resonanz.workspaces.models import Agent


def render(source: str, **context: object) -> str:
    return Template("{% load components %}" + source).render(Context(context)).strip()


def test_badge_escapes_and_takes_a_kind_and_a_title():
    assert (
        render('{% badge text "public" %}', text="<b>x</b>")
        == '<span class="badge public">&lt;b&gt;x&lt;/b&gt;</span>'
    )
    assert render('{% badge "VIP" "vip" "Wichtig" %}') == '<span class="badge vip" title="Wichtig">VIP</span>'


def test_avatar_with_and_without_a_name():
    assert render('{% avatar "MK" "Mia" "small" %}') == '<span class="avatar small" title="Mia">MK</span>'
    assert render('{% avatar "MK" %}') == '<span class="avatar">MK</span>'


def test_status_with_its_label_and_optional_data_attribute():
    assert render('{% status "open" "offen" %}') == '<span class="status status-open">offen</span>'
    assert 'data-status="solved"' in render('{% status "solved" "gelöst" data=True %}')


@pytest.mark.django_db
def test_timeline_entry_says_what_happened_in_the_ui_language(agent):
    entry = TimelineEntry(
        kind=TimelineEntry.Kind.ASSIGNED, actor=agent, created_at=timezone.now() - dt.timedelta(minutes=3)
    )
    html = render("{% timeline_entry entry %}", entry=entry)
    assert re.fullmatch(
        rf'<li><time datetime="[^"]+">\d\d\.\d\d\. \d\d:\d\d</time> zugewiesen · {agent.display_name}</li>',
        html,
    )


@pytest.mark.django_db
def test_the_library_shows_every_component_to_admins_only(workspace, fake_account):
    admin = AgentFactory(workspace=workspace, role=Agent.Role.ADMIN)
    conversation = ConversationFactory(channel_account=fake_account)
    MessageFactory(conversation=conversation)
    client = Client()
    assert client.login(username=admin.user.username, password=PASSWORD)
    page = client.get("/dev/components/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("badge", "avatar", "status", "timeline_entry", "composer"):
        assert f'data-component="{name}"' in html
    assert f'action="/conversations/{conversation.pk}/reply"' in html  # the composer, for a real conversation
    assert 'class="badge public"' in html and 'class="status status-open"' in html
    worker = AgentFactory(workspace=workspace)
    other = Client()
    assert other.login(username=worker.user.username, password=PASSWORD)
    assert other.get("/dev/components/").status_code == 403
