""" "Test the connection" for a channel account: log in to the mailbox, fetch the feed, ask the platform who
we are. Each failure is one of a few kinds (wrong password, host unreachable, certificate, missing
permission) with a message in the agent's language; nothing is stored except the health on failure."""

from __future__ import annotations

import smtplib
import socket
import ssl

from django.utils.translation import gettext as _

from resonanz.channels.actions import do_mark_channel_health
from resonanz.channels.config import PUSH_KINDS
from resonanz.channels.models import ChannelAccount
from resonanz.channels.settings_actions import ConnectionResult


def _classify(error: BaseException, host: str) -> ConnectionResult:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "certificate" in text:
        return ConnectionResult(
            False, _("Das Zertifikat von %(host)s ist nicht gültig.") % {"host": host}, "certificate"
        )
    if any(isinstance(e, smtplib.SMTPAuthenticationError) for e in chain) or any(
        word in text
        for word in ("authenticationfailed", "login failed", "invalid credentials", "auth", "password")
    ):
        return ConnectionResult(False, _("Benutzername oder Passwort ist falsch."), "auth")
    if any(
        isinstance(e, (socket.gaierror, ConnectionRefusedError, TimeoutError, socket.timeout)) for e in chain
    ) or any(
        word in text for word in ("cannot connect", "connection refused", "timed out", "name or service")
    ):
        return ConnectionResult(False, _("%(host)s ist nicht erreichbar.") % {"host": host}, "unreachable")
    return ConnectionResult(
        False, _("Verbindung fehlgeschlagen: %(error)s") % {"error": str(error)[:300]}, "error"
    )


def _test_email(account: ChannelAccount) -> ConnectionResult:
    from resonanz.channels.email.client import (
        MailboxError,
        imap_settings,
        open_mailbox,
        open_smtp,
        smtp_settings,
    )

    imap = imap_settings(account)
    try:
        with open_mailbox(imap):
            pass
    except MailboxError as error:
        result = _classify(error, imap.host)
        return ConnectionResult(False, f"IMAP: {result.message}", result.code)
    smtp = smtp_settings(account)
    if smtp.host:
        try:
            with open_smtp(smtp):
                pass
        except (OSError, smtplib.SMTPException) as error:
            result = _classify(error, smtp.host)
            return ConnectionResult(False, f"SMTP: {result.message}", result.code)
    return ConnectionResult(True, _("Postfach und Versand funktionieren."))


def _test_feed(account: ChannelAccount) -> ConnectionResult:
    from resonanz.channels.feeds.client import FeedFetchError, fetch_feed
    from resonanz.channels.feeds.payloads import parse_feed

    url = str(account.config.get("url") or "")
    try:
        fetched = fetch_feed(
            url, etag="", last_modified="", timeout_seconds=float(account.config.get("timeout_seconds") or 10)
        )
        feed = parse_feed(fetched.body)
    except FeedFetchError as error:
        return _classify(error, url)
    except Exception as error:  # not a feed
        return ConnectionResult(
            False,
            _("Unter der Adresse liegt kein Feed: %(error)s") % {"error": str(error)[:200]},
            "not_a_feed",
        )
    return ConnectionResult(True, _("Feed gelesen: %(count)s Einträge.") % {"count": len(feed.entries)})


def _test_platform(account: ChannelAccount) -> ConnectionResult:
    """X and Facebook: ask the API about our own account with the stored token."""
    try:
        if account.kind == "x":
            from resonanz.channels.x.adapter import client_for

            client_for(account).request("GET", "/2/users/me", endpoint="users/me")
        elif account.kind == "facebook":
            from resonanz.channels.facebook.adapter import client_for as fb_client_for

            fb_client_for(account).request(
                "GET", str(account.config.get("page_id") or "me"), params={"fields": "id,name"}
            )
    except Exception as error:
        text = str(error).lower()
        if "scope" in text or "permission" in text or "403" in text:
            return ConnectionResult(
                False,
                _("Dem Zugriffstoken fehlt eine Berechtigung (OAuth-Scope): %(error)s")
                % {"error": str(error)[:200]},
                "scope",
            )
        if "401" in text or "token" in text:
            return ConnectionResult(False, _("Das Zugriffstoken ist ungültig oder abgelaufen."), "auth")
        return _classify(error, str(account.config.get("api_base_url") or account.kind))
    return ConnectionResult(True, _("Die Plattform hat das Konto bestätigt."))


def test_connection(account: ChannelAccount) -> ConnectionResult:
    if account.kind == "email":
        result = _test_email(account)
    elif account.kind == "feed":
        result = _test_feed(account)
    elif account.kind in ("x", "facebook"):
        result = _test_platform(account)
    elif account.kind in PUSH_KINDS:
        result = ConnectionResult(
            True,
            _("Nichts zu prüfen: die Plattform sendet an die Webhook-Adresse. Das Geheimnis ist gesetzt."),
        )
    else:
        result = ConnectionResult(True, _("Nichts zu prüfen."))
    if not result.ok:
        do_mark_channel_health(account, healthy=False, detail=result.message)
    elif account.status == ChannelAccount.Status.UNHEALTHY:
        do_mark_channel_health(account, healthy=True)
    return result
