""" "Test the connection" of a mailbox: log in over IMAP, then open an SMTP session."""

from __future__ import annotations

import smtplib

from django.utils.translation import gettext as _

from resonanz.channels.connection import ConnectionResult, classify
from resonanz.channels.email.client import MailboxError, imap_settings, open_mailbox, open_smtp, smtp_settings
from resonanz.channels.models import ChannelAccount


def test_mailbox(account: ChannelAccount) -> ConnectionResult:
    imap = imap_settings(account)
    try:
        with open_mailbox(imap):
            pass
    except MailboxError as error:
        result = classify(error, imap.host)
        return ConnectionResult(False, f"IMAP: {result.message}", result.code)
    smtp = smtp_settings(account)
    if smtp.host:
        try:
            with open_smtp(smtp):
                pass
        except (OSError, smtplib.SMTPException) as error:
            result = classify(error, smtp.host)
            return ConnectionResult(False, f"SMTP: {result.message}", result.code)
    return ConnectionResult(True, _("Postfach und Versand funktionieren."))
