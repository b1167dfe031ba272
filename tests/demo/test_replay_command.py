"""`resonanz replay FILE` through the CLI, with a small temporary file."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.conversations.models import Message
from resonanz.demo.replay import ReplayLine, delays, replay
from resonanz.testing.factories import ChannelAccountFactory, event

pytestmark = pytest.mark.django_db(transaction=True)


def write(tmp_path, records, name="replay.jsonl"):
    path = tmp_path / name
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records)
    )
    return path


def line(channel, at, body):
    return {"channel": channel, "at": at, "event": body}


def test_replay_pushes_every_line_through_the_fake_channel(tmp_path, workspace):
    x = ChannelAccountFactory(workspace=workspace, name="X @netzwelt_hilft", config={"imitates": "x"})
    path = write(
        tmp_path,
        [
            line(
                "X @netzwelt_hilft",
                "2026-03-10T08:00:00+01:00",
                event("r-1", "Internet weg in 50667", handle="anna"),
            ),
            "# a comment and a blank line are skipped",
            "",
            line(
                "x", "2026-03-10T08:01:00+01:00", event("r-2", "Bei mir auch!", handle="bob", reply_to="r-1")
            ),
            line(
                "email",
                "2026-03-10T08:02:00+01:00",
                event(
                    "r-3", "Rechnung zu hoch", handle="carla@example.org", created_at="2026-03-10T07:00:00Z"
                ),
            ),
        ],
    )
    out = StringIO()
    before = timezone.now()
    call_command("replay", str(path), "--speed", "0", verbosity=0, stdout=out)

    assert "replayed 3 messages: 3 new, 0 duplicates" in out.getvalue()
    anna, bob = Message.objects.filter(channel_account=x.pk).order_by("external_id")
    assert anna.author_identity is not None
    assert (anna.text, anna.author_identity.handle, anna.visibility) == (
        "Internet weg in 50667",
        "anna",
        "public",
    )
    assert bob.conversation_id == anna.conversation_id
    assert bob.reply_to_id == anna.pk
    assert anna.created_at >= before  # no created_at in the event: stamped when pushed
    mail = Message.objects.get(external_id="r-3")
    assert mail.created_at == dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)
    assert (mail.channel_account.kind, mail.channel_account.config, mail.channel_account.is_public) == (
        "fake",
        {"imitates": "email"},
        False,
    )
    assert mail.author_identity is not None
    assert mail.author_identity.kind == "email"


def test_replaying_the_same_file_twice_stores_each_message_once(tmp_path, workspace):
    ChannelAccountFactory(workspace=workspace, name="Fake X", config={"imitates": "x"})
    path = write(
        tmp_path, [line("x", "2026-03-10T08:00:00Z", event(f"d-{i}", handle=f"k{i}")) for i in range(3)]
    )
    call_command("replay", str(path), "--speed", "0", verbosity=0, stdout=StringIO())
    out = StringIO()
    call_command("replay", str(path), "--speed", "0", verbosity=0, stdout=out)
    assert "replayed 3 messages: 0 new, 3 duplicates" in out.getvalue()
    assert Message.objects.count() == 3


def test_channel_option_sends_every_line_to_one_account(tmp_path, workspace):
    ChannelAccountFactory(workspace=workspace, name="Fake X", config={"imitates": "x"})
    forum = ChannelAccountFactory(workspace=workspace, name="Community-Forum", config={"imitates": "forum"})
    path = write(
        tmp_path,
        [
            line("x", "2026-03-10T08:00:00Z", event("c-1")),
            line("facebook", "2026-03-10T08:00:05Z", event("c-2", handle="b")),
        ],
    )
    call_command(
        "replay", str(path), "--speed", "0", "--channel", "Community-Forum", verbosity=0, stdout=StringIO()
    )
    assert set(Message.objects.values_list("channel_account", flat=True)) == {forum.pk}
    assert ChannelAccount.objects.count() == 2


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        ("{not json", "line 2: not valid JSON"),
        (json.dumps({"channel": "x", "event": event("b-1")}), "line 2: missing at"),
        (json.dumps(line("x", "gestern", event("b-1"))), "line 2: at is not an ISO time"),
        (
            json.dumps(line("x", "2026-03-10T08:00:00Z", {"id": "b-1", "text": "ohne Autor"})),
            "line 2: event: author",
        ),
        (
            json.dumps(line("nirgendwo", "2026-03-10T08:00:00Z", event("b-1"))),
            "no fake channel account 'nirgendwo'",
        ),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_pushed(tmp_path, workspace, bad, detail):
    path = write(tmp_path, [line("x", "2026-03-10T08:00:00Z", event("ok-1")), bad])
    with pytest.raises(CommandError, match=detail):
        call_command("replay", str(path), "--speed", "0", verbosity=0, stdout=StringIO())
    assert InboundEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_missing_file_is_a_clear_error(tmp_path, workspace):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("replay", str(tmp_path / "fehlt.jsonl"), verbosity=0)


def _lines(*minutes: int) -> list[ReplayLine]:
    start = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    return [
        ReplayLine(
            number=i, channel="x", at=start + dt.timedelta(minutes=m), event=event(f"s-{i}", handle=f"s{i}")
        )
        for i, m in enumerate(minutes)
    ]


def test_speed_divides_the_gaps_between_lines():
    assert delays(_lines(0, 1, 1, 5), speed=60) == [0.0, 1.0, 0.0, 4.0]
    assert delays(_lines(0, 1, 5), speed=1) == [0.0, 60.0, 240.0]
    assert delays(_lines(0, 1, 5), speed=0) == [0.0, 0.0, 0.0]


def test_replay_waits_between_lines_and_batches_lines_due_together(workspace):
    account = ChannelAccountFactory(workspace=workspace, name="Fake X", config={"imitates": "x"})
    waited: list[float] = []
    pushed: list[int] = []
    result = replay(workspace, _lines(0, 0, 2, 2, 3), speed=60, sleep=waited.append, on_pushed=pushed.append)
    assert waited == [2.0, 1.0]
    assert pushed == [2, 2, 1]
    assert result.accepted == 5
    assert Message.objects.filter(channel_account=account.pk).count() == 5


def test_the_shipped_cologne_outage_file_replays(workspace):
    from resonanz.demo.loader import ensure_channel_accounts

    ensure_channel_accounts(workspace)
    sample = Path(__file__).resolve().parents[2] / "resonanz" / "demo" / "data" / "koeln-stoerung.jsonl"
    out = StringIO()
    call_command("replay", str(sample), "--speed", "0", verbosity=0, stdout=out)
    lines = len(sample.read_text(encoding="utf-8").splitlines())
    assert f"replayed {lines} messages: {lines} new, 0 duplicates" in out.getvalue()
    assert Message.objects.filter(text__contains="Köln").count() >= 30
