"""Facebook Pages (Graph API): the page webhook (``feed`` for posts and comments, ``messages`` for
Messenger); public comment replies, private replies (Messenger, to a comment or a PSID) and hiding a comment.

Channel account: ``secret`` is the app secret (``X-Hub-Signature-256``); ``config``:

    {"api_base_url": "https://graph.facebook.com/v21.0",   # or a fake platform: http://127.0.0.1:8102/v21.0
     "page_id": "104123456789012",
     "page_access_token": "EAAB…",       # a long-lived page token with pages_manage_engagement,
                                          # pages_read_user_content, pages_messaging, pages_manage_metadata
     "verify_token": "…",                 # what you typed as "Verify token" in the app's webhook settings
     "timeout_seconds": 10}
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from pydantic import ValidationError

from resonanz.channels.base import (
    COMMENT,
    DIRECT_MESSAGE,
    HIDE,
    PUBLISH_POST,
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
    SignatureInvalid,
    TransientSendError,
)
from resonanz.channels.facebook.client import (
    ALREADY_REPLIED_CODES,
    ALREADY_REPLIED_SUBCODES,
    DEFAULT_BASE_URL,
    TOKEN_INVALID_CODE,
    GraphClient,
    GraphError,
)
from resonanz.channels.facebook.payloads import (
    FeedEvent,
    MessageEvent,
    epoch_to_datetime,
    parse_feed_event,
    parse_message_event,
)
from resonanz.channels.x.payloads import load_json_object
from resonanz.core.compare import constant_time_equal

if TYPE_CHECKING:
    from django.http import HttpRequest

    from resonanz.channels.models import ChannelAccount

logger = logging.getLogger("resonanz.channels.facebook")

SIGNATURE_HEADER = "X-Hub-Signature-256"
FEED_ITEMS = frozenset({"comment", "post", "status", "photo", "video"})
COMMENT_ID_RE = re.compile(r"^[0-9]+_[0-9]+$")


def sign_body(secret: str, body: bytes) -> dict[str, str]:
    """The header Facebook puts on a webhook POST (used by tests and the fake platform)."""
    return {SIGNATURE_HEADER: "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def client_for(account: ChannelAccount) -> GraphClient:
    config = account.config
    return GraphClient(
        str(config.get("api_base_url") or DEFAULT_BASE_URL),
        str(config.get("page_access_token") or ""),
        timeout=float(config.get("timeout_seconds") or 10),
    )


def _normal(text: str) -> str:
    return " ".join(text.split())


class FacebookAdapter(ChannelAdapter):
    kind = "facebook"
    identity_kind = "facebook"
    capabilities = frozenset({"inbound_webhook", "reply", "direct_message", "hide", PUBLISH_POST})
    outbound_actions = frozenset({COMMENT, DIRECT_MESSAGE, HIDE, REPLY, PUBLISH_POST})
    max_text_length = 8000

    # --- webhook --------------------------------------------------------------------------------------------
    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        if not account.secret:
            raise SignatureInvalid("this channel account has no app secret configured")
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        expected = sign_body(account.secret, request.body)[SIGNATURE_HEADER]
        if not constant_time_equal(expected, header.strip()):
            raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body")

    def challenge_response(self, account: ChannelAccount, request: HttpRequest) -> HttpResponse | None:
        """Facebook's subscription check: echo ``hub.challenge`` when mode and verify token match."""
        expected = str(account.config.get("verify_token") or "")
        mode = request.GET.get("hub.mode", "")
        token = request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if mode != "subscribe" or not expected or not constant_time_equal(expected, token):
            logger.warning("channel.facebook.verify_refused", extra={"channel_account": account.pk})
            return HttpResponse("verification failed", status=403, content_type="text/plain")
        return HttpResponse(challenge, content_type="text/plain")

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        data = load_json_object(body)
        if data.get("object") != "page":
            logger.info(
                "channel.facebook.ignored",
                extra={"channel_account": account.pk, "event_type": f"object:{str(data.get('object'))[:40]}"},
            )
            return []
        entries = data.get("entry")
        if not isinstance(entries, list):
            raise MalformedPayload("entry must be a list")
        events: list[RawEvent] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                self._skip_malformed(account, f"entry {index}", "entry without a page id")
                continue
            page_id = entry["id"]
            own_page = str(account.config.get("page_id") or "")
            if own_page and page_id != own_page:
                # An app has one callback URL for all its pages: another page's events are not ours.
                self._ignore(account, f"page:{page_id[:25]}")
                continue
            changes, messaging = entry.get("changes") or [], entry.get("messaging") or []
            if not isinstance(changes, list) or not isinstance(messaging, list):
                self._skip_malformed(account, f"entry {index}", "changes and messaging must be lists")
                continue
            for position, change in enumerate(changes):
                event = self._feed_event(account, page_id, change, f"entry {index} change {position}")
                if event is not None:
                    events.append(event)
            for position, item in enumerate(messaging):
                event = self._messaging_event(account, page_id, item, f"entry {index} messaging {position}")
                if event is not None:
                    events.append(event)
        return events

    def _skip_malformed(self, account: ChannelAccount, where: str, error: str) -> None:
        logger.warning(
            "channel.facebook.malformed_item",
            extra={"channel_account": account.pk, "where": where, "error": error[:300]},
        )

    def _ignore(self, account: ChannelAccount, event_type: str) -> None:
        logger.info(
            "channel.facebook.ignored", extra={"channel_account": account.pk, "event_type": event_type}
        )

    def _feed_event(self, account: ChannelAccount, page_id: str, change: Any, where: str) -> RawEvent | None:
        if not isinstance(change, dict):
            self._skip_malformed(account, where, "change is not an object")
            return None
        value = change.get("value")
        if change.get("field") != "feed" or not isinstance(value, dict):
            self._ignore(account, f"field:{str(change.get('field'))[:40]}")
            return None
        item, verb = value.get("item"), value.get("verb")
        if not isinstance(item, str) or item not in FEED_ITEMS or verb != "add":
            self._ignore(account, f"feed:{str(item)[:30]}:{str(verb)[:20]}")
            return None
        payload = {"page_id": page_id, "value": value}
        try:
            feed = FeedEvent.model_validate(payload)
        except ValidationError as error:
            self._skip_malformed(account, where, str(error))
            return None
        external_id = feed.value.comment_id if item == "comment" else feed.value.post_id
        if not external_id:
            self._skip_malformed(account, where, "comment without comment_id")
            return None
        return RawEvent(external_id=external_id, payload=payload, event_type="feed")

    def _messaging_event(
        self, account: ChannelAccount, page_id: str, item: Any, where: str
    ) -> RawEvent | None:
        if not isinstance(item, dict):
            self._skip_malformed(account, where, "messaging item is not an object")
            return None
        if "message" not in item:
            kinds = sorted(k for k in item if k not in ("sender", "recipient", "timestamp"))
            self._ignore(account, f"messaging:{','.join(kinds)[:40]}")
            return None
        payload = {"page_id": page_id, "messaging": item}
        try:
            event = MessageEvent.model_validate(payload)
        except ValidationError as error:
            self._skip_malformed(account, where, str(error))
            return None
        assert event.messaging.message is not None
        if event.messaging.message.is_echo:
            self._ignore(account, "messaging:echo")
            return None
        return RawEvent(external_id=event.messaging.message.mid, payload=payload, event_type="message")

    # --- parsing (in the worker) -----------------------------------------------------------------------------
    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        if event.event_type == "feed":
            return [self._parse_feed(parse_feed_event(event.payload))]
        if event.event_type == "message":
            return [self._parse_message(parse_message_event(event.payload))]
        raise IgnoredEvent(f"unknown Facebook event type {event.event_type!r}")

    def _parse_feed(self, event: FeedEvent) -> NormalizedMessage:
        value = event.value
        if value.verb != "add" or value.item not in FEED_ITEMS:
            raise IgnoredEvent(f"feed {value.item} {value.verb}")
        if value.from_.id == event.page_id:
            raise IgnoredEvent("our own post or comment")
        is_comment = value.item == "comment"
        external_id = value.comment_id if is_comment else value.post_id
        if not external_id:
            raise MalformedPayload("comment without comment_id")
        permalink = value.post.get("permalink_url") if isinstance(value.post, dict) else None
        url = permalink if isinstance(permalink, str) and permalink.startswith("https://") else ""
        return NormalizedMessage(
            external_id=external_id,
            author=Author(kind="facebook", handle=value.from_.id, display_name=value.from_.name),
            text=value.message,
            created_at=epoch_to_datetime(value.created_time),
            is_public=True,
            reply_to_external_id=(value.parent_id or value.post_id) if is_comment else "",
            thread_external_ids=(value.post_id,) if is_comment else (),
            url=url or f"https://www.facebook.com/{external_id}",
            extra={"facebook_item": value.item, "facebook_post_id": value.post_id},
        )

    def _parse_message(self, event: MessageEvent) -> NormalizedMessage:
        item = event.messaging
        message = item.message
        if message is None:
            raise IgnoredEvent("messaging item without a message")
        if message.is_echo or item.sender.id == event.page_id:
            raise IgnoredEvent("our own message (echo)")
        text = message.text or " ".join(f"[{a.type or 'attachment'}]" for a in message.attachments)
        return NormalizedMessage(
            external_id=message.mid,
            author=Author(kind="facebook", handle=item.sender.id),
            text=text,
            created_at=epoch_to_datetime(item.timestamp / 1000),
            is_public=False,
            extra={"facebook_psid": item.sender.id},
        )

    # --- sending --------------------------------------------------------------------------------------------
    def reply_action(self, account: ChannelAccount, *, is_public: bool, in_reply_to_external_id: str) -> str:
        """A public answer to a comment is a comment under it; everything else goes by Messenger."""
        if is_public and COMMENT_ID_RE.match(in_reply_to_external_id):
            return COMMENT
        return DIRECT_MESSAGE

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        client = client_for(account)
        page_id = str(account.config.get("page_id") or "")
        try:
            if request.action == HIDE:
                target = str(request.extra.get("comment_id") or request.in_reply_to_external_id)
                client.hide_comment(target)
                return SendResult(external_ids=[])
            # "reply": deliveries stored before the adapter chose the action (decision 0810).
            if request.action in (COMMENT, REPLY) and COMMENT_ID_RE.match(request.in_reply_to_external_id):
                return self._reply_in_public(client, page_id, request)
            if request.action in (COMMENT, REPLY, DIRECT_MESSAGE):
                return self._reply_in_private(client, page_id, request)
            if request.action == PUBLISH_POST:  # a post on the page's own feed
                answer = client.request("POST", f"{page_id}/feed", json={"message": self._text(request)})
                if not answer.get("id"):
                    raise TransientSendError("Graph answered without an id")
                return SendResult(external_ids=[str(answer["id"])])
        except GraphError as error:
            raise self._send_error(account, error) from None
        raise PermanentSendError(f"Facebook cannot {request.action!r}")

    def _send_error(self, account: ChannelAccount, error: GraphError) -> Exception:
        text = f"Facebook: {error}" + (f" (code {error.code})" if error.code is not None else "")
        if error.code == TOKEN_INVALID_CODE:
            from resonanz.channels.actions import do_report_credentials_failure

            do_report_credentials_failure(account, text, code=str(TOKEN_INVALID_CODE))
            return PermanentSendError(text, status_code=error.status_code)
        if error.transient:
            return TransientSendError(text, status_code=error.status_code)
        return PermanentSendError(text, status_code=error.status_code)

    def _text(self, request: OutboundRequest) -> str:
        signature = str(request.extra.get("signature") or "")
        return f"{request.text} {signature}" if signature else request.text

    def _reply_in_public(self, client: GraphClient, page_id: str, request: OutboundRequest) -> SendResult:
        target = request.in_reply_to_external_id
        text = self._text(request)
        if request.attempt > 1:
            # An earlier try may have reached Facebook before it died: look for our comment first.
            for comment in client.comments(target).get("data") or []:
                if (
                    isinstance(comment, dict)
                    and (comment.get("from") or {}).get("id") == page_id
                    and _normal(str(comment.get("message", ""))) == _normal(text)
                ):
                    logger.info("channel.facebook.send.recovered", extra={"delivery": request.delivery_id})
                    return SendResult(external_ids=[str(comment["id"])])
        answer = client.reply_to_comment(target, text)
        if not answer.get("id"):
            raise TransientSendError("Graph answered without an id")
        return SendResult(external_ids=[str(answer["id"])])

    def _reply_in_private(self, client: GraphClient, page_id: str, request: OutboundRequest) -> SendResult:
        text = self._text(request)
        target = request.in_reply_to_external_id
        if COMMENT_ID_RE.match(target):
            # A private reply to a comment: Messenger allows exactly one per comment, which also makes a
            # resend after a crash harmless (the platform refuses the second).
            try:
                answer = client.send_message(page_id, {"comment_id": target}, text, request.idempotency_key)
            except GraphError as error:
                if error.code in ALREADY_REPLIED_CODES or error.subcode in ALREADY_REPLIED_SUBCODES:
                    if request.attempt > 1:
                        return SendResult(external_ids=[f"private-reply:{target}"])
                    raise PermanentSendError(
                        f"Facebook: {error} — a comment can get one private reply; answer in Messenger "
                        "once the customer writes back",
                        status_code=error.status_code,
                    ) from None
                raise
        else:
            psid = request.recipient_handle
            if not psid:
                raise PermanentSendError("a Messenger reply needs the customer's page-scoped id")
            if request.attempt > 1:
                found = self._find_sent_message(client, page_id, psid, text)
                if found:
                    logger.info("channel.facebook.send.recovered", extra={"delivery": request.delivery_id})
                    return SendResult(external_ids=[found])
            answer = client.send_message(page_id, {"id": psid}, text, request.idempotency_key)
        if not answer.get("message_id"):
            raise TransientSendError("Send API answered without a message_id")
        return SendResult(external_ids=[str(answer["message_id"])])

    def _find_sent_message(self, client: GraphClient, page_id: str, psid: str, text: str) -> str:
        for conversation in client.conversation_messages(page_id, psid).get("data") or []:
            messages = (
                (conversation.get("messages") or {}).get("data") if isinstance(conversation, dict) else None
            )
            for message in messages or []:
                if (
                    isinstance(message, dict)
                    and (message.get("from") or {}).get("id") == page_id
                    and _normal(str(message.get("message", ""))) == _normal(text)
                ):
                    return str(message.get("id"))
        return ""

    def publish_post(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        return self.send_outbound(account, request)
