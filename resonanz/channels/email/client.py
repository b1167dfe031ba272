"""Talking to mail servers: IMAP (IMAPClient) to read a mailbox by UID, SMTP (smtplib) to send.

Connection settings live in the channel account's ``config``; the password is the account's ``secret``
(``config["smtp_password"]`` when the SMTP login differs). Every network call has an explicit timeout."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from resonanz.channels.base import PermanentSendError, TransientSendError

if TYPE_CHECKING:
    from resonanz.channels.models import ChannelAccount

DEFAULT_TIMEOUT = 30.0


class MailboxError(Exception):
    """The mailbox cannot be read (connection, login, folder); the account is marked unhealthy."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    username: str
    password: str
    security: str = "ssl"  # ssl | starttls | none
    folder: str = "INBOX"
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    security: str = "starttls"  # ssl | starttls | none
    timeout: float = DEFAULT_TIMEOUT


def _security(value: Any, default: str) -> str:
    text = str(value or default).lower()
    if text not in ("ssl", "starttls", "none"):
        raise ValueError(f"security must be ssl, starttls or none, not {text!r}")
    return text


def imap_settings(account: ChannelAccount) -> ImapSettings:
    config = account.config
    security = _security(config.get("imap_security"), "ssl")
    return ImapSettings(
        host=str(config.get("imap_host", "")),
        port=int(config.get("imap_port") or (993 if security == "ssl" else 143)),
        username=str(config.get("imap_username") or config.get("address", "")),
        password=str(config.get("imap_password") or account.secret),
        security=security,
        folder=str(config.get("imap_folder") or "INBOX"),
        timeout=float(config.get("timeout_seconds") or DEFAULT_TIMEOUT),
    )


def smtp_settings(account: ChannelAccount) -> SmtpSettings:
    config = account.config
    security = _security(config.get("smtp_security"), "starttls")
    return SmtpSettings(
        host=str(config.get("smtp_host", "")),
        port=int(config.get("smtp_port") or (465 if security == "ssl" else 587)),
        username=str(config.get("smtp_username", "")),
        password=str(config.get("smtp_password") or account.secret),
        security=security,
        timeout=float(config.get("timeout_seconds") or DEFAULT_TIMEOUT),
    )


class Mailbox:
    """One open IMAP connection with the folder selected read-only (we never change the customer's flags)."""

    def __init__(self, client: IMAPClient, folder: str, selected: dict[bytes, Any]) -> None:
        self.client = client
        self.folder = folder
        self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0))

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``, ascending. ("N:*" always includes the highest UID, so filter.)"""
        uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(int(uid) for uid in uids if int(uid) > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE by UID: how big each mail is, before any of it is fetched."""
        if not uids:
            return {}
        response = self.client.fetch(list(uids), ["RFC822.SIZE"])
        return {int(uid): int(data.get(b"RFC822.SIZE") or 0) for uid, data in response.items()}

    def fetch_head(self, uid: int, *, header_bytes: int, body_bytes: int) -> bytes | None:
        """The first ``header_bytes`` of the header and the first ``body_bytes`` of the body of one mail
        (partial BODY.PEEK fetches: the rest never crosses the wire), or None if it is gone."""
        response = self.client.fetch(
            [uid], [f"BODY.PEEK[HEADER]<0.{header_bytes}>", f"BODY.PEEK[TEXT]<0.{body_bytes}>"]
        )
        data = response.get(uid)
        if not data:
            return None
        header = body = b""
        for key, value in data.items():
            name = key.decode("ascii", "replace") if isinstance(key, bytes) else str(key)
            if isinstance(value, bytes) and name.startswith("BODY[HEADER]"):
                header = value
            elif isinstance(value, bytes) and name.startswith("BODY[TEXT]"):
                body = value
        if not header:
            return None
        if not header.endswith(b"\r\n\r\n"):  # a header cut off at header_bytes: end it
            header = header.rsplit(b"\r\n", 1)[0] + b"\r\n\r\n"
        return header + body

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """Raw RFC 822 bytes by UID (BODY.PEEK[] leaves the \\Seen flag alone)."""
        if not uids:
            return {}
        response = self.client.fetch(list(uids), ["BODY.PEEK[]"])
        raw: dict[int, bytes] = {}
        for uid, data in response.items():
            body = data.get(b"BODY[]")
            if isinstance(body, bytes):
                raw[int(uid)] = body
        return raw


@contextmanager
def open_mailbox(settings: ImapSettings) -> Iterator[Mailbox]:
    if not settings.host:
        raise MailboxError("no IMAP host configured")
    try:
        client = IMAPClient(
            settings.host,
            port=settings.port,
            ssl=settings.security == "ssl",
            ssl_context=ssl.create_default_context() if settings.security == "ssl" else None,
            timeout=settings.timeout,
        )
    except (OSError, IMAPClientError) as error:
        raise MailboxError(f"cannot connect to {settings.host}:{settings.port}: {error}") from error
    try:
        try:
            if settings.security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(settings.username, settings.password)
            selected = client.select_folder(settings.folder, readonly=True)
        except (OSError, IMAPClientError) as error:
            raise MailboxError(f"IMAP login or folder {settings.folder!r} failed: {error}") from error
        yield Mailbox(client, settings.folder, selected)
    finally:
        try:
            client.logout()
        except Exception:  # the connection is gone anyway
            client.shutdown()


def _smtp_error(code: int, text: str) -> Exception:
    """4xx is temporary; 5xx is permanent unless its enhanced status code (RFC 3463) says 4.x.x."""
    detail = f"SMTP {code} {text}".strip()
    if 400 <= code < 500 or text.startswith("4."):
        return TransientSendError(detail, status_code=code)
    return PermanentSendError(detail, status_code=code)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@contextmanager
def open_smtp(settings: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """An SMTP session as the settings say (SSL, STARTTLS or plain; logged in when a user is set), closed
    at the end. Raises what smtplib and the socket raise; sending and the connection test share it."""
    smtp: smtplib.SMTP
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
        yield smtp


def send_mail(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises TransientSendError or PermanentSendError."""
    if not settings.host:
        raise PermanentSendError("no SMTP host configured")
    try:
        with open_smtp(settings) as smtp:
            # We send to one recipient: a partial refusal cannot happen, a full one raises below.
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [(code, _text(text)) for code, text in error.recipients.values()]
        code, text = min(codes) if codes else (550, "all recipients refused")
        raise _smtp_error(code, text) from None
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, auth failed, 421 …
        raise _smtp_error(error.smtp_code, _text(error.smtp_error)) from None
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientSendError(f"SMTP connection failed: {type(error).__name__}: {error}") from None
