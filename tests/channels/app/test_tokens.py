from __future__ import annotations

import hashlib

import pytest

from resonanz.channels.app.tokens import make_user_token, verify_user_token, visitor_handle
from resonanz.core.errors import NotAuthenticated

SECRET = "s3cret"
NOW = 1_800_000_000
GOOD = make_user_token(SECRET, "kunde.4711@netz", NOW + 60)


def test_token_shape_is_user_expiry_hmac():
    expected = hashlib.sha256  # the signature is HMAC-SHA256 over "<user id>.<expiry>"
    import hmac

    signature = hmac.new(b"s3cret", f"kunde.4711@netz.{NOW + 60}".encode(), expected).hexdigest()
    assert f"kunde.4711@netz.{NOW + 60}.{signature}" == GOOD


@pytest.mark.parametrize(
    ("token", "secret", "now", "result"),
    [
        (GOOD, SECRET, NOW, "kunde.4711@netz"),
        (GOOD.upper().replace("KUNDE.4711@NETZ", "kunde.4711@netz"), SECRET, NOW, "kunde.4711@netz"),
        (GOOD, SECRET, NOW + 60, "Nutzer-Token ist abgelaufen"),
        (GOOD, "other", NOW, "Die Signatur des Nutzer-Tokens ist ungültig"),
        (GOOD, "", NOW, "Dieser App-Kanal hat kein Geheimnis: Nutzer-Tokens lassen sich nicht prüfen"),
        (GOOD.replace("kunde", "kundx"), SECRET, NOW, "Die Signatur des Nutzer-Tokens ist ungültig"),
        (
            GOOD.replace(str(NOW + 60), str(NOW + 6000)),
            SECRET,
            NOW,
            "Die Signatur des Nutzer-Tokens ist ungültig",
        ),
        ("kunde.4711", SECRET, NOW, "Nutzer-Token ist fehlerhaft"),
        ("a.b.c", SECRET, NOW, "Nutzer-Token ist fehlerhaft"),
        ("", SECRET, NOW, "Nutzer-Token ist fehlerhaft"),
        ("bad user." + str(NOW + 60) + ".00", SECRET, NOW, "Die Signatur des Nutzer-Tokens ist ungültig"),
    ],
    ids=[
        "valid",
        "hex-case",
        "expired",
        "wrong-secret",
        "no-secret",
        "user-changed",
        "expiry-changed",
        "two-parts",
        "non-numeric-expiry",
        "empty",
        "bad-user-id",
    ],
)
def test_verify_user_token(token, secret, now, result):
    if result.startswith("kunde"):
        assert verify_user_token(secret, token, now=now) == result
    else:
        with pytest.raises(NotAuthenticated, match=result):
            verify_user_token(secret, token, now=now)


@pytest.mark.parametrize("user_id", ["", "a b", "visitor:x", "x" * 129, "ä"])
def test_user_ids_are_restricted(user_id):
    with pytest.raises(ValueError, match="a user id has 1-128 characters"):
        make_user_token(SECRET, user_id, NOW)


@pytest.mark.parametrize(
    ("visitor", "ok"),
    [("A" * 22, True), ("a-b_c" * 12, True), ("A" * 21, False), ("A" * 65, False), ("A" * 21 + "!", False)],
)
def test_visitor_handle_is_a_hash_of_a_well_formed_id(visitor, ok):
    if ok:
        assert visitor_handle(visitor) == "visitor:" + hashlib.sha256(visitor.encode()).hexdigest()[:32]
    else:
        with pytest.raises(NotAuthenticated):
            visitor_handle(visitor)
