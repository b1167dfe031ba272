""" "Test the connection" for a channel account: log in to the mailbox, fetch the feed, ask the platform who
we are. Each failure is one of a few kinds (wrong password, host unreachable, certificate, missing
permission) with a message in the agent's language; nothing is stored except the health on failure.
What to try is the channel's own (`ChannelSpec.connection_test` in its `channel.py`); the classification
and the health are shared here."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from resonanz.channels.actions import do_mark_channel_health
from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import get_channel


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    code: str = ""


def classify(error: BaseException, host: str) -> ConnectionResult:
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


def test_platform_call(account: ChannelAccount, call: Callable[[], object]) -> ConnectionResult:
    """A platform with an API (X, Facebook): ``call`` asks it about our own account with the stored token."""
    try:
        call()
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
        return classify(error, str(account.config.get("api_base_url") or account.kind))
    return ConnectionResult(True, _("Die Plattform hat das Konto bestätigt."))


def test_connection(account: ChannelAccount) -> ConnectionResult:
    spec = get_channel(account.kind)
    if spec.connection_test is not None:
        result = spec.connection_test(account)
    elif spec.webhook:
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
