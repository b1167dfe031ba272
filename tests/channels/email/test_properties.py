"""Property-based: whatever bytes arrive as a mail, the parser returns a mail or rejects it cleanly."""

from __future__ import annotations

import base64
import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.channels.base import IgnoredEvent, MalformedPayload, NormalizedMessage, RawEvent
from resonanz.channels.email.adapter import EmailAdapter
from resonanz.channels.email.payloads import ParsedMail, external_id_for, parse_mail
from resonanz.channels.models import ChannelAccount
from tests.channels.email.conftest import FIXTURES

FIXTURE_MAILS = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
ACCOUNT = ChannelAccount(kind="email", name="Postfach", config={"address": "support@netzwelt.example"})
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_reject(raw: bytes) -> None:
    with contextlib.suppress(MalformedPayload):
        mail = parse_mail(raw)
        assert isinstance(mail, ParsedMail)
        # what is stored outside the cleaned text must be storable in PostgreSQL: no NUL
        stored = [
            mail.sender,
            mail.sender_name,
            mail.subject,
            mail.html,
            *(a.filename for a in mail.attachments),
        ]
        assert not any("\x00" in value for value in stored)
    assert external_id_for(raw)  # the id used to store a mail never fails


def inbound_or_reject(payload: object, external_id: str | None = None) -> None:
    if external_id is None:
        assert isinstance(payload, dict)
        external_id = external_id_for(base64.b64decode(payload["raw"]))
    event_id = external_id
    try:
        result = EmailAdapter().parse_inbound(ACCOUNT, RawEvent(event_id, payload, "mail"))  # type: ignore[arg-type]
    except (MalformedPayload, IgnoredEvent):
        return
    assert all(isinstance(m, NormalizedMessage) for m in result)


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(raw):
    parse_or_reject(raw)


@st.composite
def mutated_mail(draw):
    raw = bytearray(draw(st.sampled_from(FIXTURE_MAILS)))
    for _ in range(draw(st.integers(1, 12))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(0, len(raw) - 1)))
        if action == "flip" and raw:
            raw[position] = draw(st.integers(0, 255))
        elif action == "insert":
            raw[position:position] = draw(
                st.sampled_from([b"\r\n", b"\x00", b"=?utf-8?b?", b"<", b"--XYZ", b";", b"\xff\xfe", b": "])
            )
        elif action == "delete" and raw:
            del raw[position : position + draw(st.integers(1, 40))]
        elif action == "truncate":
            del raw[position:]
    return bytes(raw)


@FUZZ
@given(mutated_mail())
def test_mutated_real_mails(raw):
    parse_or_reject(raw)
    inbound_or_reject({"raw": base64.b64encode(raw).decode(), "fetched_at": "2026-11-23T10:00:00+00:00"})


HEADER_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=200)


@FUZZ
@given(
    sender=HEADER_TEXT,
    subject=HEADER_TEXT,
    references=HEADER_TEXT,
    date=HEADER_TEXT,
    content_type=HEADER_TEXT,
    body=st.text(max_size=500),
)
def test_hostile_header_values(sender, subject, references, date, content_type, body):
    raw = (
        f"From: {sender}\r\nSubject: {subject}\r\nReferences: {references}\r\nDate: {date}\r\n"
        f"Content-Type: {content_type}\r\nMessage-ID: <fuzz@example.org>\r\n\r\n{body}"
    ).encode("utf-8", "surrogatepass")
    parse_or_reject(raw)
    inbound_or_reject({"raw": base64.b64encode(raw).decode()})


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
        JSON, st.fixed_dictionaries({"raw": st.text(max_size=60)}, optional={"fetched_at": JSON})
    )
)
def test_arbitrary_event_payloads(payload):
    inbound_or_reject(payload, external_id="<x@y>")
