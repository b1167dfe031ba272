"""Writes of the app channel: a customer's submission (stored first as a raw event, then processed) and the
agent's confirmation of an address change."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resonanz.channels.app.access import AppCustomer, access_customer_conversation
from resonanz.channels.app.payloads import event_external_id
from resonanz.channels.base import RawEvent
from resonanz.channels.ingest import accept_events, process_events
from resonanz.channels.models import ChannelAccount, InboundEvent
from resonanz.conversations.models import Message, TimelineEntry
from resonanz.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, ResonanzError
from resonanz.core.text import clean_text
from resonanz.customers.models import Customer
from resonanz.workspaces.models import Agent

logger = logging.getLogger("resonanz.channels.app")

# Limits on anonymous visitors (decisions 0403, 0502), each settable in the channel account's config:
# every message of one visitor and from one client address per minute, conversations started from one
# address per hour, and conversations started by all visitors together per minute (a circuit breaker:
# signed-in customers are never limited by it).
DEFAULT_MESSAGES_PER_VISITOR_PER_MINUTE = 10
DEFAULT_MESSAGES_PER_IP_PER_MINUTE = 30
DEFAULT_STARTS_PER_IP_PER_HOUR = 10
DEFAULT_STARTS_PER_MINUTE = 60
ANON_START = "anon-start"


class TooManyRequests(ResonanzError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Submission:
    """One customer message from the API, already validated; ``extra`` holds problem/address fields."""

    type: str
    client_message_id: str
    text: str
    name: str = ""
    email: str = ""
    conversation_id: int | None = None
    problem: dict[str, str] | None = None
    address: dict[str, str] | None = None


@dataclass(frozen=True)
class Submitted:
    external_id: str
    duplicate: bool
    message: Message | None  # None while a worker still holds the event (scale-out): the widget polls


def client_key(ip: str) -> str:
    """A keyed hash of the client address: enough to count, useless to anyone reading the payload."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()[:24]


def _config_int(account: ChannelAccount, key: str, default: int) -> int:
    value = account.config.get(key, default)
    return value if isinstance(value, int) and value >= 0 else default


def check_anonymous_message(account: ChannelAccount, visitor: str, ip: str) -> dict[str, str]:
    """Raise TooManyRequests when this visitor, or this client address, sent too many messages in the last
    minute (starts and follow-ups alike); returns what to store in the event's meta so the next request
    counts this one. Same soft DB count as `check_anonymous_start`."""
    if not account.config.get("allow_anonymous", True):
        raise NotAuthenticated(_("Dieser App-Kanal braucht ein signiertes Nutzer-Token"))
    meta = {"visitor_key": visitor, "ip_key": client_key(ip)}
    minute_ago = timezone.now() - dt.timedelta(minutes=1)
    recent = InboundEvent.objects.filter(channel_account=account, received_at__gte=minute_ago)
    per_visitor = _config_int(
        account, "anonymous_messages_per_visitor_per_minute", DEFAULT_MESSAGES_PER_VISITOR_PER_MINUTE
    )
    if recent.filter(payload__meta__visitor_key=visitor).count() >= per_visitor:
        logger.info("channel.app.rate_limited", extra={"channel_account": account.pk, "scope": "visitor"})
        raise TooManyRequests(
            _("Zu viele Nachrichten von Ihnen; bitte warten Sie eine Minute"), retry_after=60
        )
    per_ip = _config_int(account, "anonymous_messages_per_ip_per_minute", DEFAULT_MESSAGES_PER_IP_PER_MINUTE)
    if recent.filter(payload__meta__ip_key=meta["ip_key"]).count() >= per_ip:
        logger.info("channel.app.rate_limited", extra={"channel_account": account.pk, "scope": "ip-messages"})
        raise TooManyRequests(
            _("Zu viele Nachrichten von dieser Adresse; bitte warten Sie eine Minute"), retry_after=60
        )
    return meta


def check_anonymous_start(account: ChannelAccount, ip: str) -> str:
    """Raise TooManyRequests when this address (or everyone together) started too many conversations
    lately; returns the limit key to store with the event. A DB count over the stored raw events: no extra
    table, shared by every web process, exact enough for a soft limit (two racing requests may both pass)."""
    if not account.config.get("allow_anonymous", True):
        raise NotAuthenticated(_("Dieser App-Kanal braucht ein signiertes Nutzer-Token"))
    key = f"{ANON_START}:{client_key(ip)}"
    now = timezone.now()
    recent = InboundEvent.objects.filter(channel_account=account, payload__meta__limit_kind=ANON_START)
    per_ip = _config_int(account, "anonymous_starts_per_ip_per_hour", DEFAULT_STARTS_PER_IP_PER_HOUR)
    if (
        recent.filter(received_at__gte=now - dt.timedelta(hours=1), payload__meta__limit_key=key).count()
        >= per_ip
    ):
        logger.info("channel.app.rate_limited", extra={"channel_account": account.pk, "scope": "ip"})
        raise TooManyRequests(
            _("Zu viele neue Gespräche von dieser Adresse; bitte versuchen Sie es später noch einmal"),
            retry_after=600,
        )
    per_minute = _config_int(account, "anonymous_starts_per_minute", DEFAULT_STARTS_PER_MINUTE)
    if recent.filter(received_at__gte=now - dt.timedelta(minutes=1)).count() >= per_minute:
        logger.info("channel.app.rate_limited", extra={"channel_account": account.pk, "scope": "account"})
        raise TooManyRequests(
            _("Gerade zu viele neue Gespräche; bitte versuchen Sie es in einer Minute noch einmal"),
            retry_after=60,
        )
    return key


def _clean(value: str) -> str:
    return clean_text(value)[0]


def _cleaned(submission: Submission) -> Submission:
    return replace(
        submission,
        text=_clean(submission.text),
        name=_clean(submission.name),
        email=_clean(submission.email),
        problem={k: _clean(v) for k, v in submission.problem.items()} if submission.problem else None,
        address={k: _clean(v) for k, v in submission.address.items()} if submission.address else None,
    )


def do_submit_app_event(customer: AppCustomer, submission: Submission, *, client_ip: str) -> Submitted:
    """Store the customer's message as a raw event (idempotent on the client message id), then process it
    right away so the widget can show it in its conversation at once. Processing is the same idempotent
    step a worker runs; if a worker got there first, this finds the message it stored."""
    account = customer.account
    if submission.conversation_id is not None:
        access_customer_conversation(customer, submission.conversation_id)  # 404 for anyone else's
    external_id = event_external_id(customer.handle, submission.client_message_id)
    duplicate = InboundEvent.objects.filter(channel_account=account, external_id=external_id).exists()
    meta: dict[str, str] = {}
    if not duplicate and customer.kind == "visitor":
        meta = check_anonymous_message(account, customer.handle, client_ip)
        if submission.conversation_id is None:
            meta.update(limit_kind=ANON_START, limit_key=check_anonymous_start(account, client_ip))
    if not duplicate:
        # Control characters go before the raw event is stored: PostgreSQL's jsonb cannot hold NUL.
        submission = _cleaned(submission)
        payload: dict[str, Any] = {
            "type": submission.type,
            "client_message_id": submission.client_message_id,
            "author": {
                "kind": customer.kind,
                "handle": customer.handle,
                "name": submission.name,
                "email": submission.email,
            },
            "text": submission.text,
            "conversation_id": submission.conversation_id,
            "sent_at": timezone.now().isoformat(),
            "meta": meta,
        }
        if submission.problem is not None:
            payload["problem"] = submission.problem
        if submission.address is not None:
            payload["address"] = submission.address
        accepted = accept_events(account, [RawEvent(external_id, payload, submission.type)])
        duplicate = accepted.accepted == 0
        if accepted.event_ids:
            process_events(accepted.event_ids)
    message = (
        Message.objects.filter(channel_account=account, external_id=external_id)
        .select_related("author_agent")
        .first()
    )
    return Submitted(external_id=external_id, duplicate=duplicate, message=message)


def do_confirm_address_change(agent: Agent, message_id: int) -> Customer:
    """The agent checked the customer's requested address change: copy postal code and city onto the
    customer, mark the request confirmed and note it in the conversation's timeline. Confirming twice is
    a conflict, not a second change."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("author_identity__customer")
            .filter(pk=message_id, workspace_id=agent.workspace_id)
            .first()
        )
        if message is None:
            raise NotFound(_("Nachricht %(message_id)s nicht gefunden") % {"message_id": message_id})
        app = message.extra.get("app") if isinstance(message.extra, dict) else None
        if not isinstance(app, dict) or app.get("type") != "address_change":
            raise InvalidInput(
                _("Nachricht %(message_id)s ist keine Adressänderung") % {"message_id": message_id}
            )
        if app.get("status") == "confirmed":
            raise Conflict(
                _("Die Adressänderung in Nachricht %(message_id)s ist schon bestätigt")
                % {"message_id": message_id}
            )
        if message.author_identity is None:
            raise InvalidInput(_("Zur Adressänderung gehört kein Kunde"))
        customer = message.author_identity.customer
        before = {"postal_code": customer.postal_code, "city": customer.city}
        after = {"postal_code": str(app["postal_code"]), "city": str(app["city"])}
        Customer.objects.filter(pk=customer.pk).update(**after)
        customer.postal_code, customer.city = after["postal_code"], after["city"]
        confirmed = {
            **app,
            "status": "confirmed",
            "confirmed_by": agent.pk,
            "confirmed_at": timezone.now().isoformat(),
        }
        Message.objects.filter(pk=message.pk).update(extra={**message.extra, "app": confirmed})
        TimelineEntry.objects.create(
            conversation_id=message.conversation_id,
            actor=agent,
            kind="address_changed",
            data={"message_id": message.pk, "customer_id": customer.pk, "from": before, "to": after},
        )
    logger.info("channel.app.address_confirmed", extra={"message_id": message_id, "customer_id": customer.pk})
    return customer
