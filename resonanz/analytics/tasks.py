"""Analytics periodic jobs."""

from __future__ import annotations

from resonanz.analytics.actions import do_check_response_rates
from resonanz.core.scheduler import periodic


@periodic("analytics.response_rate_watch", every_seconds=600)
def response_rate_watch() -> None:
    do_check_response_rates()
