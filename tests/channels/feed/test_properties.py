"""Property-based: whatever bytes a feed URL returns, the parser returns a feed or rejects it cleanly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.channels.base import MalformedPayload, NormalizedMessage, RawEvent
from resonanz.channels.feed.adapter import FeedAdapter
from resonanz.channels.feed.payloads import Feed, KeywordRules, entry_external_id, parse_feed
from resonanz.channels.models import ChannelAccount
from tests.channels.feed.conftest import FIXTURES

FIXTURE_FEEDS = [path.read_bytes() for path in sorted(FIXTURES.glob("*.xml"))]
ACCOUNT = ChannelAccount(kind="feed", name="Feed", config={})
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_reject(body: bytes) -> None:
    try:
        feed = parse_feed(body)
    except MalformedPayload:
        return
    assert isinstance(feed, Feed)
    for entry in feed.entries:
        assert not any("\x00" in value for value in entry.values() if isinstance(value, str))
        try:
            external_id = entry_external_id(entry)
        except MalformedPayload:
            continue
        KeywordRules(keywords=("netzwelt",)).matches(str(entry.get("title")))
        payload = {"feed": {"title": feed.title, "url": "https://forum.example/x"}, "entry": entry}
        try:
            messages = FeedAdapter().parse_inbound(ACCOUNT, RawEvent(external_id, payload, "entry"))
        except MalformedPayload:
            continue
        assert all(isinstance(m, NormalizedMessage) for m in messages)


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(body):
    parse_or_reject(body)


@st.composite
def mutated_feed(draw):
    body = bytearray(draw(st.sampled_from(FIXTURE_FEEDS)))
    for _ in range(draw(st.integers(1, 12))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(0, len(body) - 1)))
        if action == "flip" and body:
            body[position] = draw(st.integers(0, 255))
        elif action == "insert":
            body[position:position] = draw(
                st.sampled_from(
                    [b"<", b"&", b"]]>", b"<![CDATA[", b"\x00", b"&#xD800;", b"</item>", b"<entry>"]
                )
            )
        elif action == "delete" and body:
            del body[position : position + draw(st.integers(1, 60))]
        elif action == "truncate":
            del body[position:]
    return bytes(body)


@FUZZ
@given(mutated_feed())
def test_mutated_real_feeds(body):
    parse_or_reject(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@FUZZ
@given(
    payload=st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "entry": st.dictionaries(
                    st.sampled_from(["id", "link", "title", "summary", "author", "published"]), JSON
                )
            },
            optional={"feed": JSON, "keywords": JSON, "fetched_at": JSON},
        ),
    ),
    external_id=st.text(max_size=20),
)
def test_arbitrary_event_payloads(payload, external_id):
    try:
        messages = FeedAdapter().parse_inbound(ACCOUNT, RawEvent(external_id, payload, "entry"))
    except MalformedPayload:
        return
    assert all(isinstance(m, NormalizedMessage) for m in messages)
