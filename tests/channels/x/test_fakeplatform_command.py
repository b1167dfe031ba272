"""`resonanz fakeplatform`: the demo's fake platforms connect a channel account and make customers talk."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("platform", ["x", "facebook"])
def test_fakeplatform_connects_a_channel_account_and_delivers_webhooks(workspace, live_server, platform):
    out = io.StringIO()
    call_command(
        "fakeplatform",
        platform,
        "--connect",
        "--chatter",
        "0.05",
        "--run-seconds",
        "0.6",
        "--resonanz-url",
        live_server.url,
        stdout=out,
        stderr=io.StringIO(),
    )
    account = ChannelAccount.objects.get(kind=platform)
    lines = out.getvalue().splitlines()
    base_url = lines[0].removeprefix(f"fake {platform} listening on ")
    assert base_url.startswith("http://127.0.0.1:")
    assert account.config["api_base_url"].startswith(base_url)
    assert lines[-1] == f"fake {platform} stopped"
    # Every third turn (and every Facebook turn) came in through the real webhook URL.
    assert Message.objects.filter(channel_account=account).count() >= 1
    # A second run re-points the same account instead of adding one.
    call_command("fakeplatform", platform, "--connect", "--run-seconds", "0.1", stdout=io.StringIO())
    assert ChannelAccount.objects.filter(kind=platform).count() == 1
