"""X (Twitter) API v2: mentions by polling, listening rules by the filtered stream, DMs by the Account
Activity webhook; public replies (split into a numbered thread) and DMs out.

Channel account: ``secret`` is the app's consumer secret (CRC answers and webhook signatures); ``config``:

    {"api_base_url": "https://api.x.com",   # or a fake platform: http://127.0.0.1:8101
     "user_id": "1500000000000000001",      # our account's id; "username": "netzwelt_hilft"
     "access_token": "…",                   # OAuth 2.0 user token (tweet.read tweet.write users.read dm.read dm.write)
     "bearer_token": "…",                   # app token for the filtered stream (default: access_token)
     "poll_every_seconds": 60, "stream": false, "stream_rules": [{"value": "netzwelt störung", "tag": "störung"}],
     "timeout_seconds": 10}
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, JsonResponse
from pydantic import ValidationError

from resonanz.channels.base import (
    DIRECT_MESSAGE,
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
    TextMeasure,
    TransientSendError,
)
from resonanz.channels.x.client import DEFAULT_BASE_URL, NetworkError, RateLimited, XApiError, XClient
from resonanz.channels.x.oauth import refresh_if_needed
from resonanz.channels.x.payloads import (
    MAX_WEIGHT,
    DMEvent,
    load_json_object,
    mask_urls,
    parse_dm_envelope,
    parse_tweet_envelope,
    split_thread,
    weighted_length,
)
from resonanz.core.compare import constant_time_equal

if TYPE_CHECKING:
    from django.http import HttpRequest

    from resonanz.channels.models import ChannelAccount

logger = logging.getLogger("resonanz.channels.x")

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
# What X sends as crc_token: a short random string in the base64 / URL-safe alphabet.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{1,128}", re.ASCII)
# Account Activity keys we know and deliberately do not store (mentions come from polling and the stream).
KNOWN_IGNORED_KEYS = frozenset(
    {
        "tweet_create_events",
        "favorite_events",
        "follow_events",
        "unfollow_events",
        "block_events",
        "mute_events",
        "tweet_delete_events",
        "direct_message_indicate_typing_events",
        "direct_message_mark_read_events",
        "user_event",
    }
)


def hmac_sha256_base64(secret: str, data: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def sign_body(secret: str, body: bytes) -> dict[str, str]:
    """The header X puts on an Account Activity POST (used by tests and the fake platform)."""
    return {SIGNATURE_HEADER: hmac_sha256_base64(secret, body)}


def client_for(account: ChannelAccount, *, which: str = "access_token") -> XClient:
    if which == "access_token":
        refresh_if_needed(account)  # OAuth 2.0 user tokens expire after about two hours (oauth.py)
    config = account.config
    token = str(config.get(which) or config.get("access_token") or "")
    return XClient(
        str(config.get("api_base_url") or DEFAULT_BASE_URL),
        token,
        timeout=float(config.get("timeout_seconds") or 10),
    )


def _same_post(platform_text: str, ours: str) -> bool:
    """Does a post on the platform carry our text? X escapes &<>, wraps URLs in t.co links and puts the
    replied-to @handles in front of a reply's text."""

    def normal(text: str) -> str:
        text = mask_urls(html.unescape(text))
        text = re.sub(r"^(@\w+\s+)+", "", text.strip())
        return " ".join(text.split())

    return normal(platform_text) == normal(ours)


def _replied_to(tweet: dict[str, Any]) -> str:
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id", ""))
    return ""


class XAdapter(ChannelAdapter):
    kind = "x"
    identity_kind = "x"
    capabilities = frozenset(
        {
            "inbound_poll",
            "inbound_stream",
            "inbound_webhook",
            "reply",
            "direct_message",
            "thread",
            PUBLISH_POST,
        }
    )
    outbound_actions = frozenset({REPLY, DIRECT_MESSAGE, PUBLISH_POST})
    max_text_length = 280

    # --- webhook (Account Activity API) ----------------------------------------------------------------------
    def verify_request(self, account: ChannelAccount, request: HttpRequest) -> None:
        if not account.secret:
            raise SignatureInvalid("this channel account has no consumer secret configured")
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
        if not constant_time_equal(hmac_sha256_base64(account.secret, request.body), header.strip()):
            raise SignatureInvalid(f"{SIGNATURE_HEADER} does not match the body")

    def challenge_response(self, account: ChannelAccount, request: HttpRequest) -> HttpResponse | None:
        """The CRC check: X sends ``crc_token`` and expects sha256=base64(HMAC(consumer secret, token)).

        The answer is the very function that signs webhook bodies, so it signs only tokens of X's own shape
        (short, base64 or URL-safe alphabet): a JSON body never passes, and the CRC cannot be used to sign a
        forged Account Activity event."""
        token = request.GET.get("crc_token", "")
        if not token or not account.secret:
            return JsonResponse({"detail": "crc_token missing"}, status=400)
        if not CRC_TOKEN.fullmatch(token):
            logger.warning(
                "channel.x.crc_refused", extra={"channel_account": account.pk, "length": len(token)}
            )
            return JsonResponse(
                {"detail": "crc_token must be 1-128 characters of A-Z a-z 0-9 + / = _ -"}, status=400
            )
        return JsonResponse({"response_token": hmac_sha256_base64(account.secret, token.encode())})

    def events_from_request(self, account: ChannelAccount, body: bytes) -> list[RawEvent]:
        data = load_json_object(body)
        for_user_id = data.get("for_user_id")
        if not isinstance(for_user_id, str):
            raise MalformedPayload("for_user_id missing: not an Account Activity event")
        own_id = str(account.config.get("user_id") or "")
        if own_id and for_user_id != own_id:
            # One webhook serves every user subscribed in the app's environment: not ours, not stored.
            self._log_ignored(account, f"for_user_id:{for_user_id[:25]}")
            return []
        unknown = sorted(k for k in data if k.endswith("_events") or k == "user_event")
        for key in unknown:
            if key != "direct_message_events":
                logger.info(
                    "channel.x.ignored",
                    extra={
                        "channel_account": account.pk,
                        "event_type": key,
                        "known": key in KNOWN_IGNORED_KEYS,
                    },
                )
        items = data.get("direct_message_events") or []
        if not isinstance(items, list):
            raise MalformedPayload("direct_message_events must be a list")
        raw_users = data.get("users")
        users: dict[str, Any] = raw_users if isinstance(raw_users, dict) else {}
        events = []
        for index, item in enumerate(items):
            try:
                dm = DMEvent.model_validate(item)
            except ValidationError as error:
                logger.warning(
                    "channel.x.malformed_item",
                    extra={"channel_account": account.pk, "index": index, "error": str(error)[:300]},
                )
                continue
            if dm.type != "message_create" or dm.message_create is None:
                logger.info("channel.x.ignored", extra={"channel_account": account.pk, "event_type": dm.type})
                continue
            sender = dm.message_create.sender_id
            payload = {
                "for_user_id": for_user_id,
                "direct_message_events": [item],
                "users": {k: v for k, v in users.items() if k in (sender, for_user_id)},
            }
            events.append(RawEvent(external_id=dm.id, payload=payload, event_type="direct_message"))
        return events

    def _log_ignored(self, account: ChannelAccount, event_type: str) -> None:
        logger.info("channel.x.ignored", extra={"channel_account": account.pk, "event_type": event_type})

    # --- parsing (in the worker) -----------------------------------------------------------------------------
    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        if event.event_type == "tweet":
            return [self._parse_tweet(account, event.payload)]
        if event.event_type == "direct_message":
            return [self._parse_dm(account, event.payload)]
        raise IgnoredEvent(f"unknown X event type {event.event_type!r}")

    def _parse_tweet(self, account: ChannelAccount, payload: Any) -> NormalizedMessage:
        envelope = parse_tweet_envelope(payload)
        tweet = envelope.data
        if tweet.author_id == str(account.config.get("user_id", "")):
            raise IgnoredEvent("our own post")
        author = next((u for u in envelope.includes.users if u.id == tweet.author_id), None)
        if author is None:
            raise MalformedPayload(f"author {tweet.author_id} is not in includes.users")
        created = tweet.created_at or dt.datetime.now(dt.UTC)
        if created.tzinfo is None:
            created = created.replace(tzinfo=dt.UTC)
        reply_to = next((r.id for r in tweet.referenced_tweets if r.type == "replied_to"), "")
        extra: dict[str, Any] = {"x_author_id": tweet.author_id}
        if tweet.conversation_id:
            extra["x_conversation_id"] = tweet.conversation_id
        if envelope.matching_rules:
            extra["matching_rules"] = [r.tag or r.id for r in envelope.matching_rules]
        return NormalizedMessage(
            external_id=tweet.id,
            author=Author(
                kind="x", handle=author.username, display_name=author.name, external_id=tweet.author_id
            ),
            text=html.unescape(tweet.text),
            created_at=created,
            is_public=True,
            reply_to_external_id=reply_to,
            # The thread's first post: a reply to part 3 of our numbered answer (unknown here) still finds
            # the conversation through the customer's post that started it.
            thread_external_ids=(tweet.conversation_id,)
            if tweet.conversation_id and tweet.conversation_id != tweet.id
            else (),
            url=f"https://x.com/{author.username}/status/{tweet.id}",
            extra=extra,
        )

    def _parse_dm(self, account: ChannelAccount, payload: Any) -> NormalizedMessage:
        envelope = parse_dm_envelope(payload)
        dm = envelope.direct_message_events[0]
        if dm.type != "message_create" or dm.message_create is None:
            raise IgnoredEvent(f"DM event type {dm.type!r}")
        sender_id = dm.message_create.sender_id
        if sender_id == envelope.for_user_id:
            raise IgnoredEvent("our own direct message")
        sender = envelope.users.get(sender_id)
        if sender is None or sender.id != sender_id:
            raise MalformedPayload(f"sender {sender_id} is not in users")
        try:
            created = dt.datetime.fromtimestamp(int(dm.created_timestamp) / 1000, tz=dt.UTC)
        except (OverflowError, ValueError, OSError):
            raise MalformedPayload(f"created_timestamp {dm.created_timestamp!r} is out of range") from None
        return NormalizedMessage(
            external_id=dm.id,
            author=Author(
                kind="x", handle=sender.screen_name, display_name=sender.name, external_id=sender_id
            ),
            text=html.unescape(dm.message_create.message_data.text),
            created_at=created,
            is_public=False,
            extra={"x_author_id": sender_id},
        )

    # --- sending --------------------------------------------------------------------------------------------
    def measure_text(self, text: str, *, signature: str) -> TextMeasure:
        """Weighted as X counts (a URL is 23, CJK counts double); a longer text becomes a numbered thread."""
        if not text.strip():
            return TextMeasure(length=0, limit=MAX_WEIGHT)
        parts = split_thread(text, signature=signature)
        weight = weighted_length(" ".join(text.split()) + (f" {signature}" if signature else ""))
        return TextMeasure(length=weight, limit=MAX_WEIGHT, parts=tuple(parts) if len(parts) > 1 else ())

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        client = client_for(account)
        try:
            if request.action == REPLY:
                return self._send_thread(account, client, request)
            if request.action == PUBLISH_POST:  # a post of our own (an announcement): answers nobody
                return self._send_thread(account, client, replace(request, in_reply_to_external_id=""))
            if request.action == DIRECT_MESSAGE:
                return self._send_dm(client, request)
        except RateLimited as error:
            raise TransientSendError(str(error), status_code=429, retry_after=error.retry_after) from None
        except NetworkError as error:
            raise TransientSendError(str(error)) from None
        except XApiError as error:
            status = error.status_code or 0
            if status >= 500:
                raise TransientSendError(str(error), status_code=status) from None
            if status == 401:
                from resonanz.channels.actions import do_report_credentials_failure

                do_report_credentials_failure(account, f"X: {error}", code="401")
            raise PermanentSendError(f"X: {error}", status_code=status or None) from None
        raise PermanentSendError(f"X cannot {request.action!r}")

    def _send_thread(self, account: ChannelAccount, client: XClient, request: OutboundRequest) -> SendResult:
        parts = split_thread(request.text, signature=str(request.extra.get("signature") or ""))
        parent = request.in_reply_to_external_id
        ids: list[str] = []
        if request.attempt > 1:
            # An earlier try may have posted some parts before it died: find them on our own timeline.
            ids = self._already_posted(account, client, parent, parts)
            if ids:
                logger.info(
                    "channel.x.send.recovered",
                    extra={"delivery": request.delivery_id, "parts": len(ids), "of": len(parts)},
                )
                parent = ids[-1]
        for part in parts[len(ids) :]:
            answer = client.create_tweet(part, in_reply_to_tweet_id=parent)
            data = answer.get("data")
            if not isinstance(data, dict) or not data.get("id"):
                raise TransientSendError("POST /2/tweets answered without data.id")
            parent = str(data["id"])
            ids.append(parent)
        return SendResult(external_ids=ids)

    def _already_posted(
        self, account: ChannelAccount, client: XClient, parent: str, parts: list[str]
    ) -> list[str]:
        user_id = str(account.config.get("user_id") or "")
        if not user_id:
            return []
        timeline = client.user_tweets(user_id).get("data") or []
        found: list[str] = []
        for part in parts:
            match = next(
                (
                    t
                    for t in timeline
                    if isinstance(t, dict)
                    and (not parent or _replied_to(t) == parent)
                    and _same_post(str(t.get("text", "")), part)
                ),
                None,
            )
            if match is None:
                break
            parent = str(match["id"])
            found.append(parent)
        return found

    def _send_dm(self, client: XClient, request: OutboundRequest) -> SendResult:
        # By the customer's user id: a handle can be renamed or taken over by someone else between the
        # customer's message and our answer. The handle is looked up only for identities stored before ids.
        participant = str(request.extra.get("recipient_id") or "")
        if not participant.isascii() or not participant.isdigit():
            handle = request.recipient_handle.lstrip("@")
            if not handle:
                raise PermanentSendError("a direct message needs the customer's X user id or handle")
            user = client.user_by_username(handle).get("data")
            if not isinstance(user, dict) or not user.get("id"):
                raise PermanentSendError(f"X user @{handle} not found")
            participant = str(user["id"])
        text = request.text
        signature = str(request.extra.get("signature") or "")
        if signature:
            text = f"{text} {signature}"
        if request.attempt > 1:
            for item in client.dm_events(participant).get("data") or []:
                if (
                    isinstance(item, dict)
                    and item.get("sender_id") != participant
                    and _same_post(str(item.get("text", "")), text)
                ):
                    return SendResult(external_ids=[str(item.get("id"))])
        data = client.send_direct_message(participant, text).get("data")
        if not isinstance(data, dict) or not data.get("dm_event_id"):
            raise TransientSendError("DM answer without dm_event_id")
        return SendResult(external_ids=[str(data["dm_event_id"])])

    def publish_post(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        return self.send_outbound(account, request)
