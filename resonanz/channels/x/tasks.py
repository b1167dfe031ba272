"""X background work (task names: decision 0811): a periodic job hands each X channel account whose poll time has come to the poll
task; another keeps the filtered-stream threads alive in the scheduler process."""

from __future__ import annotations

import logging

from resonanz.channels.models import ChannelAccount
from resonanz.channels.x import polling, stream
from resonanz.channels.x.client import XApiError
from resonanz.core.queue import enqueue, task
from resonanz.core.scheduler import periodic

logger = logging.getLogger("resonanz.channels.x")

POLL_TASK = "channels.x.poll"  # decision 0811: channels.<kind>.<verb>


@task("channels.x.poll_mentions", time_limit_seconds=120)  # queued before the rename
@task(POLL_TASK, time_limit_seconds=120)
def poll_mentions(account_id: int) -> None:
    account = ChannelAccount.objects.filter(pk=account_id, kind="x").first()
    if account is None or account.status != ChannelAccount.Status.HEALTHY:
        return
    try:
        polling.poll_mentions(account)
    except XApiError as error:
        if error.status_code == 401:
            from resonanz.channels.actions import do_report_credentials_failure

            do_report_credentials_failure(account, f"X: {error}", code="401")
            return
        logger.warning("channel.x.poll.failed", extra={"channel_account": account_id, "error": str(error)})


@periodic("channels.x.poll_due", every_seconds=15)
def poll_due() -> None:
    for account_id in polling.accounts_due():
        enqueue(POLL_TASK, account_id)


@periodic("channels.x.stream_supervisor", every_seconds=30)
def stream_supervisor() -> None:
    stream.ensure_stream_threads()
