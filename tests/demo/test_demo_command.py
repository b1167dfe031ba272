"""`resonanz demo` through the CLI: the workspace is loaded through the real ingest and reply paths."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from resonanz.channels.models import ChannelAccount, InboundEvent, OutboundDelivery
from resonanz.conversations.models import Conversation, Message
from resonanz.demo.generate import DemoPlan, generate
from resonanz.demo.loader import load_demo
from resonanz.workspaces.models import Agent, Workspace

# Real commits: the queue runs each task right after its transaction, as it does in the CLI.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_demo_loads_agents_channels_messages_and_replies_then_if_empty_does_nothing():
    out = StringIO()
    started = timezone.now()
    call_command("demo", verbosity=0, stdout=out)

    workspace = Workspace.objects.get()
    assert workspace.name == "Netzwelt Kommunikation"
    assert Agent.objects.filter(workspace=workspace).count() == 20
    assert Agent.objects.get(user__username="demo").role == "admin"
    assert Client().login(username="mia", password="demo-resonanz")
    accounts = {a.config["imitates"]: a.is_public for a in ChannelAccount.objects.filter(kind="fake")}
    assert accounts == {
        "x": True,
        "facebook": True,
        "forum": True,
        "email": False,
        "app": False,
        "phone": False,
    }
    inbound = Message.objects.filter(direction="in")
    assert inbound.count() >= 600
    assert InboundEvent.objects.filter(status="processed").count() == inbound.count()
    newest = inbound.latest("created_at")
    # The story ends at "now" as of the load's start; the load itself may take minutes on a busy machine.
    assert started - dt.timedelta(minutes=2) < newest.created_at <= timezone.now()
    assert Message.objects.filter(direction="out").count() >= 200
    assert OutboundDelivery.objects.exclude(status="sent").count() == 0
    assert Conversation.objects.filter(status="solved").count() >= 50
    assert Conversation.objects.filter(status="new").count() >= 50
    assert Conversation.objects.filter(customer__is_vip=True).exists()
    assert "log in as 'demo' with password 'demo-resonanz'" in out.getvalue()
    # Issue 15: the Köln outage is an incident with its members; Leipzig/Dresden is an announcement, posted
    # once on each public channel (X, Facebook, forum).
    from resonanz.incidents.models import Announcement, Incident

    koeln = Incident.objects.get(cities__has_key="Köln")
    assert koeln.status == "identified" and koeln.member_count >= 20  # confirmed, with its first update
    # The lead named it: the status page shows the public title, not the customer's words it was detected by.
    assert koeln.shown_title() == "Störung Internet und Festnetz in Teilen von Köln"
    status = Client().get(f"/status/{workspace.slug}/status.json").json()
    assert [i["title"] for i in status["incidents"]] == [koeln.public_title]
    announcement = Announcement.objects.get(regions=["Leipzig", "Dresden"])
    posts = OutboundDelivery.objects.filter(action="publish_post", payload__announcement_id=announcement.pk)
    assert sorted(p.channel_account.config["imitates"] for p in posts) == ["facebook", "forum", "x"]

    messages_before = Message.objects.count()
    again = StringIO()
    call_command("demo", "--if-empty", verbosity=0, stdout=again)
    assert "has messages already: demo not loaded" in again.getvalue()
    assert Message.objects.count() == messages_before


def _small_plan() -> DemoPlan:
    full = generate(timezone.now())
    posts = full.posts[:40]
    ids = {post.event["id"] for post in posts}
    return DemoPlan(posts=posts, replies=[r for r in full.replies if r.to in ids])


def test_loading_twice_doubles_nothing(workspace):
    plan = _small_plan()
    first = load_demo(workspace, plan=plan)
    counts = (Message.objects.count(), OutboundDelivery.objects.count(), Agent.objects.count())
    second = load_demo(workspace, plan=plan)
    assert first.accepted == 40
    assert second.accepted == 0
    assert second.replies == 0
    assert (Message.objects.count(), OutboundDelivery.objects.count(), Agent.objects.count()) == counts


def test_demo_replies_carry_the_time_of_the_story_not_of_the_load(workspace):
    plan = _small_plan()
    load_demo(workspace, plan=plan)
    replies = sorted(r.at for r in plan.replies if r.text)
    stored = sorted(Message.objects.filter(direction="out").values_list("created_at", flat=True))
    assert stored == replies


def test_write_jsonl_writes_a_replay_file_and_loads_nothing(tmp_path):
    target = tmp_path / "demo.jsonl"
    out = StringIO()
    call_command("demo", "--write-jsonl", str(target), verbosity=0, stdout=out)
    lines = target.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert len(lines) >= 600
    assert set(first) == {"channel", "at", "event"}
    assert "created_at" not in first["event"]
    assert f"{len(lines)} messages written" in out.getvalue()
    assert Message.objects.count() == 0


def test_live_traffic_pushes_new_messages_through_the_ingest_with_fresh_ids(workspace, settings):
    from resonanz.testing.factories import MessageFactory

    settings.AFTER_INGEST_STEPS = []
    MessageFactory(conversation__channel_account__workspace=workspace)  # not empty: --if-empty loads nothing
    out = StringIO()
    call_command(
        "demo",
        "--workspace",
        workspace.slug,
        "--if-empty",
        "--live",
        "0",
        "--live-count",
        "3",
        verbosity=0,
        stdout=out,
    )
    live = InboundEvent.objects.filter(external_id__startswith="live-")
    assert live.count() == 3
    assert set(live.values_list("status", flat=True)) == {"processed"}
    assert Message.objects.filter(external_id__startswith="live-").count() == 3
    assert ChannelAccount.objects.filter(workspace=workspace, kind="fake").count() >= 6
    assert all("reply_to" not in event.payload for event in live)
    assert "live demo traffic stopped after 3 messages" in out.getvalue()
