"""The e-mail channel: a support mailbox read over IMAP (poll or IDLE) and answered over SMTP.

``config`` of an e-mail channel account::

    {"address": "support@netzwelt.example",      # our address: From of replies; mail from it is ignored
     "display_name": "Netzwelt Kundenservice",
     "imap_host": "imap.example", "imap_port": 993, "imap_security": "ssl",   # ssl | starttls | none
     "imap_username": "support@netzwelt.example", "imap_folder": "INBOX",
     "smtp_host": "smtp.example", "smtp_port": 587, "smtp_security": "starttls",
     "smtp_username": "support@netzwelt.example",
     "poll_every_seconds": 60, "idle": true, "timeout_seconds": 30}

The password is the channel account's ``secret`` (``smtp_password`` / ``imap_password`` override it).
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils import timezone

from resonanz.channels.base import (
    DIRECT_MESSAGE,
    EMAIL,
    REPLY,
    Author,
    ChannelAdapter,
    IgnoredEvent,
    MalformedPayload,
    NormalizedMessage,
    OutboundRequest,
    PermanentSendError,
    RawEvent,
    SendResult,
)
from resonanz.channels.email.client import send_mail, smtp_settings
from resonanz.channels.email.payloads import (
    MAX_REFERENCES,
    ParsedMail,
    format_address,
    message_ids,
    parse_mail,
    raw_from_payload,
    reply_subject,
    sender_authentication,
)

if TYPE_CHECKING:
    from resonanz.channels.models import ChannelAccount

IDENTITY_KIND = "email"
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def own_address(account: ChannelAccount) -> str:
    return str(account.config.get("address", "")).strip().lower()


def outbound_message_id(account: ChannelAccount, idempotency_key: str) -> str:
    """Our Message-ID for one delivery. Derived from the delivery's idempotency key, so a retry after a
    crash sends the same Message-ID and the customer's mail client shows one mail, not two."""
    address = own_address(account)
    domain = str(account.config.get("message_id_domain") or address.partition("@")[2] or "resonanz.invalid")
    key = _UNSAFE_ID_CHARS.sub("-", idempotency_key)[:120]
    return f"<resonanz.{key}.{account.pk}@{domain}>"


def _fetched_at(payload: dict[str, Any]) -> dt.datetime:
    try:
        fetched = dt.datetime.fromisoformat(str(payload.get("fetched_at", "")))
    except ValueError:
        return timezone.now()
    return fetched if fetched.tzinfo else fetched.replace(tzinfo=dt.UTC)


# How far a sender's Date may run ahead of the time we fetched the mail (clock skew); later is a lie.
DATE_SKEW = dt.timedelta(minutes=5)


def normalized_from_mail(
    mail: ParsedMail, fetched_at: dt.datetime, authserv_id: str = ""
) -> NormalizedMessage:
    created = mail.date or fetched_at
    if created > fetched_at + DATE_SKEW:  # a date in the future must not make a mail "the newest"
        created = fetched_at
    references_newest_first = tuple(reversed(mail.references))
    reply_to = mail.in_reply_to or next(iter(references_newest_first), "")
    return NormalizedMessage(
        external_id=mail.message_id,
        author=Author(
            kind=IDENTITY_KIND,
            handle=mail.sender,
            display_name=mail.sender_name,
            profile={"email": mail.sender},
        ),
        text=mail.text,
        created_at=created,
        is_public=False,
        reply_to_external_id=reply_to,
        thread_external_ids=tuple(i for i in references_newest_first if i != reply_to),
        subject=mail.subject,
        extra={
            "email": {
                "subject": mail.subject,
                "references": list(mail.references),
                "to": list(mail.to),
                "cc": list(mail.cc),
                "quoted_stripped": mail.text != mail.full_text,
                "html": mail.html,
                "authentication": sender_authentication(mail, authserv_id),
                **({"truncated": mail.truncated} if mail.truncated else {}),
            }
        },
        attachments=mail.attachments,
    )


class EmailAdapter(ChannelAdapter):
    kind = "email"
    identity_kind = IDENTITY_KIND
    capabilities = frozenset({"inbound_poll", "inbound_idle", "reply", "direct_message", "attachments"})
    outbound_actions = frozenset({EMAIL, REPLY, DIRECT_MESSAGE})

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        truncated = event.payload.get("truncated") if isinstance(event.payload, dict) else None
        mail = parse_mail(
            raw_from_payload(event.payload),
            truncated={k: int(v) for k, v in truncated.items()} if isinstance(truncated, dict) else None,
        )
        if mail.automatic:
            raise IgnoredEvent(f"not answered: {mail.automatic}")
        if own_address(account) and mail.sender == own_address(account):
            raise IgnoredEvent("not answered: our own mail")
        if mail.message_id != event.external_id:
            raise MalformedPayload("the mail's id does not match the stored event")
        authserv_id = str(account.config.get("authserv_id") or "")
        return [normalized_from_mail(mail, _fetched_at(event.payload), authserv_id)]

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        message = self.build_message(account, request)
        try:
            settings = smtp_settings(account)
        except (TypeError, ValueError) as error:
            raise PermanentSendError(f"invalid SMTP settings: {error}") from None
        send_mail(settings, message)
        return SendResult(external_ids=[str(message["Message-ID"])])

    def reply_action(self, account: ChannelAccount, *, is_public: bool, in_reply_to_external_id: str) -> str:
        return EMAIL  # an e-mail is an e-mail, threaded under the customer's by its headers

    def build_message(self, account: ChannelAccount, request: OutboundRequest) -> EmailMessage:
        sender = own_address(account)
        recipient = request.recipient_handle.strip()
        if not sender:
            raise PermanentSendError("this e-mail channel has no address configured")
        if "@" not in recipient or any(c.isspace() or c in "<>,;" for c in recipient):
            raise PermanentSendError(f"no valid recipient address: {recipient!r}")
        message = EmailMessage()
        display_name = str(account.config.get("display_name") or account.name)
        message["From"] = format_address(sender, display_name)
        message["To"] = recipient
        message["Subject"] = reply_subject(request.subject)
        message["Date"] = format_datetime(timezone.now())
        message["Message-ID"] = outbound_message_id(account, request.idempotency_key)
        # Our answers are automatic to no one, but a customer's auto-responder must not answer them back.
        message["Auto-Submitted"] = "no"
        parent_id = next(iter(message_ids(request.in_reply_to_external_id)), "")
        if parent_id:
            message["In-Reply-To"] = parent_id
            message["References"] = " ".join(self._references(account, parent_id, request))
        agent_name = str(request.extra.get("agent_name") or "")
        body = request.text if not agent_name else f"{request.text}\n\n-- \n{agent_name}\n{display_name}"
        message.set_content(body)
        return message

    def _references(self, account: ChannelAccount, parent_id: str, request: OutboundRequest) -> list[str]:
        """The parent's References plus the parent itself, oldest first (RFC 5322 §3.6.4)."""
        older: list[str] = [i for i in reversed(request.thread_external_ids) if message_ids(i)]
        if not older:
            parent_extra = (
                apps.get_model("conversations", "Message")
                .objects.filter(channel_account=account, external_id=parent_id)
                .values_list("extra", flat=True)
                .first()
            )
            if isinstance(parent_extra, dict):
                stored = parent_extra.get("email", {}).get("references", [])
                older = [i for i in stored if isinstance(i, str) and message_ids(i)]
        chain = [i for i in older if i != parent_id][-(MAX_REFERENCES - 1) :]
        return [*chain, parent_id]
