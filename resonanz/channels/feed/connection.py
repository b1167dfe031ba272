""" "Test the connection" of a feed: fetch it and parse it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from resonanz.channels.connection import ConnectionResult, classify
from resonanz.channels.feed.client import FeedFetchError, fetch_feed
from resonanz.channels.feed.payloads import parse_feed
from resonanz.channels.models import ChannelAccount


def test_feed(account: ChannelAccount) -> ConnectionResult:
    url = str(account.config.get("url") or "")
    try:
        fetched = fetch_feed(
            url, etag="", last_modified="", timeout_seconds=float(account.config.get("timeout_seconds") or 10)
        )
        feed = parse_feed(fetched.body)
    except FeedFetchError as error:
        return classify(error, url)
    except Exception as error:  # not a feed
        return ConnectionResult(
            False,
            _("Unter der Adresse liegt kein Feed: %(error)s") % {"error": str(error)[:200]},
            "not_a_feed",
        )
    return ConnectionResult(True, _("Feed gelesen: %(count)s Einträge.") % {"count": len(feed.entries)})
