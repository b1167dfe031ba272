"""Raw RFC 822 mail → a typed `ParsedMail`, and the inbound-event shape a fetched mail is stored in.

The poller stores the raw bytes first (base64 in the event payload); everything here runs later, in the
worker. Mail from the wild is hostile or broken in every way the RFCs allow and many they do not, so each
header is read defensively, and whatever still fails becomes a `MalformedPayload`, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from mailparser_reply import EmailReplyParser

from resonanz.channels.base import InboundAttachment, MalformedPayload
from resonanz.channels.email.html import MAX_HTML_INPUT_CHARS, html_to_text, sanitize_html

logger = logging.getLogger("resonanz.channels.email")

EVENT_TYPE = "mail"
MAX_RAW_BYTES = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENTS = 20
MAX_HTML_KEPT = 100_000
# The most body text reply/quote stripping sees, and that is kept (a message stores at most 200,000
# characters): bounds the time and memory a hostile 30 MB body can cost (decision 0526).
MAX_TEXT_CHARS = 200_000
MAX_REFERENCES = 30
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,240}>")
_REPLY_PARSER = EmailReplyParser(languages=["de", "en"])

# Subjects of out-of-office and other automatic answers that carry no Auto-Submitted header.
_AUTOMATIC_SUBJECTS = re.compile(
    r"^\s*(abwesenheitsnotiz|automatische antwort|automatic reply|auto(matic)?[- ]?reply|"
    r"out of (the )?office|abwesend|auto:|autoreply)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")
_BOUNCE_SUBJECTS = re.compile(
    r"^\s*(undelivered mail|delivery status notification|mail delivery (failed|system)|"
    r"unzustellbar|nicht zustellbar|returned mail|failure notice)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str  # lower-cased address
    sender_name: str
    subject: str
    date: dt.datetime | None
    text: str  # the new part of the mail: quoted history stripped
    full_text: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()  # oldest first, as in the header
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    html: str = ""  # sanitized
    # Authentication-Results headers, topmost (the last hop's, i.e. our receiving server's) first.
    authentication_results: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
    # Why this mail must not be answered (auto-reply, bounce); empty for a person's mail.
    automatic: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Set when only the head of an oversized mail was fetched: {"size": bytes on the server, "kept": bytes}.
    truncated: dict[str, int] = field(default_factory=dict)


def message_ids(value: str) -> list[str]:
    """Every <id> in a Message-ID / In-Reply-To / References value, in order."""
    return _MESSAGE_ID.findall(value or "")


def external_id_for(raw: bytes) -> str:
    """The stable id of one mail: its Message-ID, or a hash of the bytes when it has none (or a broken one).

    Stable across IMAP UIDVALIDITY changes and across mailboxes, so a mail fetched twice is one event."""
    try:
        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:256_000])
        found = message_ids(str(headers.get("Message-ID", "") or ""))
    except Exception:
        found = []
    if found:
        return found[0]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def event_payload(
    raw: bytes, *, uid: int, uidvalidity: int, folder: str, fetched_at: dt.datetime
) -> dict[str, Any]:
    return {
        "raw": base64.b64encode(raw).decode("ascii"),
        "uid": uid,
        "uidvalidity": uidvalidity,
        "folder": folder,
        "fetched_at": fetched_at.isoformat(),
    }


def raw_from_payload(payload: Any) -> bytes:
    if not isinstance(payload, dict) or not isinstance(payload.get("raw"), str):
        raise MalformedPayload("payload has no raw mail")
    try:
        raw = base64.b64decode(payload["raw"], validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedPayload(f"raw mail is not base64: {error}") from None
    if not raw.strip():
        raise MalformedPayload("raw mail is empty")
    if len(raw) > MAX_RAW_BYTES:
        raise MalformedPayload(f"mail is larger than {MAX_RAW_BYTES} bytes")
    return raw


def _header(message: Message, name: str) -> str:
    """One header as unfolded, decoded text. Read raw and decoded here: the modern header registry parses
    every header into objects, which costs milliseconds per mail and trips on hostile values."""
    wanted = name.lower()
    try:
        for key, value in message.raw_items():  # type: ignore[attr-defined]
            if key.lower() == wanted:
                return _decode(str(value))
    except Exception:
        return ""
    return ""


def _decode(value: str) -> str:
    """RFC 2047 encoded words decoded ("=?utf-8?q?fr=C3=BCh?=" → "früh"), whitespace unfolded."""
    try:
        # Raw 8-bit headers (common, though not allowed) arrive as surrogate escapes: read them as UTF-8.
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        text = str(make_header(decode_header(value))) if "=?" in value else value
    except Exception:
        text = value
    return " ".join(text.replace("\x00", "").split())


def _addresses(message: Message, name: str) -> tuple[str, ...]:
    value = _header(message, name)
    return tuple(addr.lower() for _, addr in getaddresses([value]) if "@" in addr)


def _sender(message: Message) -> tuple[str, str]:
    value = _header(message, "From") or _header(message, "Sender")
    name, addr = parseaddr(value)
    addr = addr.strip().lower()
    if "@" not in addr or len(addr) > 254 or any(c.isspace() for c in addr):
        raise MalformedPayload("mail has no valid sender address")
    return addr, name.strip()[:200]


def _date(message: Message) -> dt.datetime | None:
    value = _header(message, "Date")
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def automatic_reason(message: Message, sender: str, subject: str) -> str:
    """Why this mail is an automatic one we must not answer (RFC 3834 and the usual vendor headers)."""
    if message.get_content_type() == "multipart/report":
        return "bounce: multipart/report"
    if sender.startswith(_BOUNCE_SENDERS):
        return f"bounce: from {sender.split('@')[0]}"
    if _header(message, "Return-Path").replace(" ", "") == "<>" and _BOUNCE_SUBJECTS.match(subject):
        return "bounce: empty return path"
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto-submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(message, name):
            return f"{name.lower()} header"
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "auto_reply", "junk"):
        return f"precedence: {precedence}"
    if _AUTOMATIC_SUBJECTS.match(subject):
        return "auto-reply: subject"
    return ""


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except Exception:
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content if isinstance(content, str) else ""


def _bodies(message: EmailMessage) -> tuple[str, str]:
    """(plain text, raw html) of the mail's body; either may be empty."""
    plain = html = ""
    try:
        body = message.get_body(preferencelist=("plain",))
        if body is not None:
            plain = _part_text(body)
        html_part = message.get_body(preferencelist=("html",))
        if html_part is not None:
            html = _part_text(html_part)
    except Exception:
        plain = html = ""
    if not plain and not html and not message.is_multipart():
        text = _part_text(message)
        if message.get_content_type() == "text/html":
            html = text
        else:
            plain = text
    return plain, html


def _attachments(message: EmailMessage) -> tuple[InboundAttachment, ...]:
    found: list[InboundAttachment] = []
    try:
        parts = list(message.iter_attachments())
    except Exception:
        return ()
    for part in parts:
        if len(found) >= MAX_ATTACHMENTS:
            break
        try:
            if part.is_multipart():
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes) or not data or len(data) > MAX_ATTACHMENT_BYTES:
                continue
            filename = part.get_filename() or ""
        except Exception as error:  # one unreadable attachment must not cost the mail
            logger.warning("email.parse.bad_attachment", extra={"error": f"{type(error).__name__}: {error}"})
            continue
        filename = " ".join(str(filename).replace("/", "_").replace("\\", "_").replace("\x00", "").split())[
            :200
        ]
        found.append(
            InboundAttachment(
                filename=filename or "attachment", content_type=part.get_content_type()[:120], data=data
            )
        )
    return tuple(found)


def strip_quoted(text: str) -> str:
    """The new part of a reply: the quoted history ("Am … schrieb …", "> …", "On … wrote") removed."""
    text = text[:MAX_TEXT_CHARS]
    try:
        stripped = _REPLY_PARSER.parse_reply(text=text)
    except Exception:
        return text.strip()
    return (stripped or "").strip() or text.strip()


def truncation_note(truncated: dict[str, int]) -> str:
    """What the agent reads under a mail that was too big to fetch whole."""
    size_mb = f"{truncated.get('size', 0) / (1024 * 1024):.1f}".replace(".", ",")
    kept_kb = max(1, truncated.get("kept", 0) // 1024)
    return (
        f"[E-Mail gekürzt: {size_mb} MB groß. Gespeichert sind die ersten {kept_kb} KB (Kopf und Textanfang), "
        "ohne Anhänge; das Original liegt im Postfach.]"
    )


def parse_mail(raw: bytes, *, truncated: dict[str, int] | None = None) -> ParsedMail:
    """Parse one raw mail; raises MalformedPayload for anything that is not a usable mail. ``truncated``:
    only the head of an oversized mail was fetched (the poller's note); its attachments are dropped and
    the text says so."""
    if not raw or not raw.strip():
        raise MalformedPayload("raw mail is empty")
    try:
        return _parse(raw, truncated or {})
    except MalformedPayload:
        raise
    except Exception as error:  # the stdlib parser has many ways to trip on hostile input
        raise MalformedPayload(f"unreadable mail ({type(error).__name__}: {error})"[:300]) from None


def _parse(raw: bytes, truncated: dict[str, int]) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise MalformedPayload("not a mail")
    if not message.keys():
        raise MalformedPayload("mail has no headers")
    sender, sender_name = _sender(message)
    subject = _header(message, "Subject")[:500]
    plain, raw_html = _bodies(message)
    plain, raw_html = plain[:MAX_TEXT_CHARS], raw_html[:MAX_HTML_INPUT_CHARS]
    full_text = plain if plain.strip() else html_to_text(raw_html)[:MAX_TEXT_CHARS] if raw_html else ""
    references = tuple(message_ids(_header(message, "References")))[-MAX_REFERENCES:]
    in_reply_to = next(iter(message_ids(_header(message, "In-Reply-To"))), "")
    text = strip_quoted(full_text)
    if truncated:
        text = f"{text}\n\n{truncation_note(truncated)}".strip()
    return ParsedMail(
        message_id=external_id_for(raw),
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        date=_date(message),
        text=text,
        full_text=full_text.strip(),
        in_reply_to=in_reply_to,
        references=references,
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        html=sanitize_html(raw_html.replace("\x00", ""))[:MAX_HTML_KEPT] if raw_html else "",
        attachments=() if truncated else _attachments(message),
        automatic=automatic_reason(message, sender, subject),
        authentication_results=tuple(
            " ".join(str(value).split())[:2000]
            for value in (message.get_all("Authentication-Results") or [])[:20]
        ),
        truncated=dict(truncated),
    )


_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)(.*)$", re.I | re.S)
_PROPERTY = re.compile(r"\b(smtp\.mailfrom|header\.d|header\.from)\s*=\s*([^\s;]+)", re.I)


def _aligned(domain: str, sender_domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".").rpartition("@")[2]
    return bool(domain) and (sender_domain == domain or sender_domain.endswith("." + domain))


def sender_authentication(mail: ParsedMail, authserv_id: str = "") -> dict[str, Any]:
    """The SPF, DKIM and DMARC results our receiving server wrote for this mail (RFC 8601), and whether
    they vouch for the From address. Only one header counts: the topmost one whose authserv-id is
    ``authserv_id`` (the channel's ``config["authserv_id"]``), or the topmost of all when none is
    configured. Headers further down were written before the mail reached our server: a sender can
    write anything there. Verified: DMARC pass, or DKIM pass for the sender's domain, or SPF pass for it."""
    wanted = authserv_id.strip().lower()
    chosen = ""
    server = ""
    for value in mail.authentication_results:
        head = _COMMENT.sub(" ", value).split(";", 1)[0].split()
        candidate = head[0].lower() if head else ""
        if not wanted or candidate == wanted:
            chosen, server = value, candidate
            break
    found: dict[str, Any] = {"authserv_id": server, "spf": "none", "dkim": "none", "dmarc": "none"}
    sender_domain = mail.sender.rpartition("@")[2].lower()
    aligned = {"spf": False, "dkim": False, "dmarc": False}
    for part in _COMMENT.sub(" ", chosen).split(";")[1:]:
        match = _RESULT.match(part)
        if match is None:
            continue
        method, result, rest = match.group(1).lower(), match.group(2).lower(), match.group(3)
        properties = {k.lower(): v for k, v in _PROPERTY.findall(rest)}
        if method == "dmarc":
            ok = result == "pass"
        elif method == "dkim":
            ok = result == "pass" and _aligned(properties.get("header.d", ""), sender_domain)
        else:
            ok = result == "pass" and _aligned(properties.get("smtp.mailfrom", ""), sender_domain)
        if found[method] == "none" or ok:  # several DKIM signatures: a passing aligned one wins
            found[method] = result
            aligned[method] = aligned[method] or ok
    found["verified"] = bool(sender_domain) and any(aligned.values())
    return found


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    if re.match(r"^(re|aw|antw|sv)\s*:", subject, re.IGNORECASE):
        return subject
    return f"Re: {subject}" if subject else "Re: Ihre Anfrage"


def format_address(address: str, display_name: str = "") -> str:
    local, _, domain = address.partition("@")
    return str(Address(display_name=display_name, username=local, domain=domain))
