"""Refreshing X OAuth 2.0 user tokens before they expire.

A user access token lives about two hours; the refresh token (offline.access) gets a new pair. Before the
access token is used (`client_for`), a token that expires within REFRESH_MARGIN_SECONDS — or whose expiry we
do not know — is refreshed once at `POST /2/oauth2/token`, and the new pair and expiry are stored under a row
lock so two workers never spend the same refresh token twice (X invalidates it on use). A refused refresh
marks the account unhealthy with an audit entry (decision 0302): an admin must reconnect it."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
from django.db import transaction

from resonanz.channels.actions import do_report_credentials_failure
from resonanz.channels.models import ChannelAccount

logger = logging.getLogger("resonanz.channels.x.oauth")

REFRESH_MARGIN_SECONDS = 10 * 60
TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 - a URL path, not a secret


class RefreshFailed(Exception):
    pass


def needs_refresh(config: dict[str, Any], now: float) -> bool:
    if not config.get("refresh_token") or not config.get("client_id"):
        return False
    expires_at = config.get("token_expires_at")
    return not isinstance(expires_at, (int, float)) or expires_at - now < REFRESH_MARGIN_SECONDS


def refresh_if_needed(account: ChannelAccount, *, now: float | None = None) -> bool:
    """True when a new token was stored (``account.config`` is updated in place)."""
    now = time.time() if now is None else now
    if not needs_refresh(account.config, now):
        return False
    with transaction.atomic():
        locked = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        config = dict(locked.config)
        if not needs_refresh(config, now):  # another worker refreshed it meanwhile
            account.config = config
            return False
        try:
            answer = _token_request(config)
        except RefreshFailed as error:
            failure = str(error)
        else:
            config["access_token"] = str(answer["access_token"])
            if answer.get("refresh_token"):
                config["refresh_token"] = str(answer["refresh_token"])
            config["token_expires_at"] = now + float(answer.get("expires_in") or 7200)
            locked.config = config
            locked.save(update_fields=["config"])
            account.config = config
            logger.info("x.oauth.refreshed", extra={"channel_account": account.pk})
            return True
    do_report_credentials_failure(account, f"X token refresh failed: {failure}", code="oauth_refresh")
    return False


def _token_request(config: dict[str, Any]) -> dict[str, Any]:
    base = str(config.get("api_base_url") or "https://api.x.com").rstrip("/")
    client_secret = str(config.get("client_secret") or "")
    auth = (str(config["client_id"]), client_secret) if client_secret else None
    data = {
        "grant_type": "refresh_token",
        "refresh_token": str(config["refresh_token"]),
        "client_id": str(config["client_id"]),
    }
    try:
        response = httpx.post(base + TOKEN_PATH, data=data, auth=auth, timeout=10.0)
    except httpx.HTTPError as error:
        raise RefreshFailed(f"{type(error).__name__}: {error}") from error
    if response.status_code != 200:
        raise RefreshFailed(f"{response.status_code} {response.text[:200]}")
    try:
        answer = response.json()
    except ValueError:
        raise RefreshFailed("the token answer is not JSON") from None
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise RefreshFailed("the token answer has no access_token")
    return answer
