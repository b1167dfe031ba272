"""IMAP IDLE (RFC 2177): the server tells us at once when a mail arrives, so we poll right then instead
of every minute. One long-running loop per mailbox, started by `resonanz imapidle`. The loop only decides
*when* to poll; storing is the poller's job, so IDLE adds no second path for mail into Resonanz."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from imapclient.exceptions import IMAPClientError

from resonanz.channels.email.client import ImapSettings, MailboxError, open_mailbox

logger = logging.getLogger("resonanz.channels.email.idle")

# Servers drop IDLE after 30 minutes of silence (RFC 2177); renew well before.
RENEW_AFTER_SECONDS = 25 * 60
CHECK_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0


def _has_news(responses: list[tuple[object, ...]]) -> bool:
    return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def idle_loop(
    settings: Callable[[], ImapSettings],
    poll: Callable[[], object],
    stop: threading.Event,
    *,
    renew_after_seconds: float = RENEW_AFTER_SECONDS,
    check_seconds: float = CHECK_SECONDS,
) -> None:
    """Poll once, then wait in IDLE and poll whenever the server announces new mail, until ``stop`` is set.
    Connection errors are logged and retried with backoff; a poll error never ends the loop."""
    backoff = 1.0
    while not stop.is_set():
        try:
            with open_mailbox(settings()) as mailbox:
                # Poll after SELECT: mail arriving from now on is announced in IDLE, none slips between.
                poll()
                client = mailbox.client
                backoff = 1.0
                while not stop.is_set():
                    client.idle()
                    started = time.monotonic()
                    news = False
                    while not stop.is_set() and time.monotonic() - started < renew_after_seconds:
                        if _has_news(client.idle_check(timeout=check_seconds)):
                            news = True
                            break
                    client.idle_done()
                    if news:
                        poll()
        except (MailboxError, OSError, IMAPClientError) as error:
            logger.warning("email.idle.reconnect", extra={"error": str(error), "backoff": backoff})
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        except Exception:
            logger.exception("email.idle.poll_failed")
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
