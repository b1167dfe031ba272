from __future__ import annotations

from pathlib import Path

import pytest

from resonanz.testing.factories import ChannelAccountFactory
from tests.channels.feed.server import FeedServer, Resource

FIXTURES = Path(__file__).resolve().parents[3] / "resonanz" / "channels" / "feed" / "fixtures"
BLOG_ETAG = '"blog-v1"'
BLOG_MODIFIED = "Mon, 23 Nov 2026 11:00:00 GMT"


def fixture_feed(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def feed_server():
    with FeedServer() as server:
        server.resources["/blog.rss"] = Resource(
            fixture_feed("blog_rss.xml"), etag=BLOG_ETAG, last_modified=BLOG_MODIFIED
        )
        server.resources["/forum.atom"] = Resource(
            fixture_feed("forum_atom.xml"),
            last_modified="Mon, 23 Nov 2026 10:00:00 GMT",
            content_type="application/atom+xml",
        )
        yield server


@pytest.fixture
def make_feed_account(workspace, feed_server):
    def make(path: str, **config):
        return ChannelAccountFactory(
            workspace=workspace,
            kind="feed",
            name=f"Feed {path}",
            secret="",
            is_public=True,
            config={"url": feed_server.url(path), "timeout_seconds": 5, **config},
        )

    return make
