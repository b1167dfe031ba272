"""Who the customer behind a widget request is.

An identified customer carries the app's signed user token: ``<user id>.<expiry>.<signature>`` where the
signature is the hex HMAC-SHA256 of ``<user id>.<expiry>`` keyed with the channel account's secret and the
expiry is a Unix time in seconds. The company's own backend makes the token (it knows who is logged in);
Resonanz only checks it. An anonymous customer carries a visitor id the widget generated and keeps in
localStorage; we store only a hash of it as the identity handle, because the id itself is a bearer secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from django.utils.translation import gettext as _

from resonanz.core.compare import constant_time_equal
from resonanz.core.errors import NotAuthenticated

USER_ID = re.compile(r"^[A-Za-z0-9_@.+\-]{1,128}$")
VISITOR_ID = re.compile(r"^[A-Za-z0-9_\-]{22,64}$")
# Unix seconds in ASCII digits: "¹²³" passes str.isdigit() but not int().
EXPIRY = re.compile(r"[0-9]{1,12}", re.ASCII)
VISITOR_PREFIX = "visitor:"


def _signature(secret: str, user_id: str, expires_at: int) -> str:
    return hmac.new(secret.encode(), f"{user_id}.{expires_at}".encode(), hashlib.sha256).hexdigest()


def make_user_token(secret: str, user_id: str, expires_at: int) -> str:
    """What the company's backend hands its logged-in user (shown here for tests, the demo and the docs)."""
    if not USER_ID.match(user_id):
        raise ValueError("a user id has 1-128 characters of A-Z a-z 0-9 _ @ . + -")
    return f"{user_id}.{expires_at}.{_signature(secret, user_id, expires_at)}"


# A company server's clock may run a little ahead of ours: a token made for exactly the maximum still passes.
CLOCK_SKEW_SECONDS = 300


def verify_user_token(
    secret: str, token: str, *, now: float | None = None, max_lifetime_seconds: int | None = None
) -> str:
    """The user id inside a valid token; raises NotAuthenticated (401) for a forged or expired one, and for
    one still valid longer than ``max_lifetime_seconds`` from now (a token that never ends is a password
    that cannot be changed)."""
    if not secret:
        raise NotAuthenticated(
            _("Dieser App-Kanal hat kein Geheimnis: Nutzer-Tokens lassen sich nicht prüfen")
        )
    parts = token.strip().rsplit(".", 2)
    if len(parts) != 3 or not EXPIRY.fullmatch(parts[1]):
        raise NotAuthenticated(_("Nutzer-Token ist fehlerhaft"))
    user_id, expiry_text, signature = parts
    expires_at = int(expiry_text)
    if not USER_ID.match(user_id) or not constant_time_equal(
        _signature(secret, user_id, expires_at), signature.lower()
    ):
        raise NotAuthenticated(_("Die Signatur des Nutzer-Tokens ist ungültig"))
    current = time.time() if now is None else now
    if expires_at <= current:
        raise NotAuthenticated(_("Nutzer-Token ist abgelaufen"))
    if max_lifetime_seconds is not None and expires_at - current > max_lifetime_seconds + CLOCK_SKEW_SECONDS:
        raise NotAuthenticated(
            _("Nutzer-Token gilt länger als %(seconds)s Sekunden: bitte kürzer befristen")
            % {"seconds": max_lifetime_seconds}
        )
    return user_id


def visitor_handle(visitor_id: str) -> str:
    """The identity handle of an anonymous visitor: a hash, so nobody who reads it can act as the visitor."""
    if not VISITOR_ID.match(visitor_id):
        raise NotAuthenticated(_("Besucher-ID: 22 bis 64 Zeichen aus A-Z a-z 0-9 _ -"))
    return VISITOR_PREFIX + hashlib.sha256(visitor_id.encode()).hexdigest()[:32]
