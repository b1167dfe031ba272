"""Incident tasks: thin wrappers around actions."""

from __future__ import annotations

from resonanz.core.queue import task
from resonanz.incidents.actions import FAN_OUT_TASK, do_fan_out


@task(FAN_OUT_TASK, time_limit_seconds=600)
def fan_out(update_id: int) -> None:
    do_fan_out(update_id)
