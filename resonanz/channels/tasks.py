"""Channel tasks: thin wrappers that load by id and call one function."""

from __future__ import annotations

from django.conf import settings

from resonanz.channels import ingest, outbound, registry
from resonanz.core.queue import task
from resonanz.core.scheduler import periodic


@task(ingest.PROCESS_TASK, priority=0)
def process_events(event_ids: list[int]) -> None:
    ingest.process_events(event_ids)


@task(ingest.AFTER_INGEST_TASK, merge_up_to=settings.AFTER_INGEST_MERGE)
def after_ingest(message_ids: list[int]) -> None:
    ingest.run_after_ingest_steps(message_ids)


# Incident detection need not hold up the next messages' readiness: in the in-process worker it lets the
# after-ingest tasks sent in the following seconds go first, then runs them merged (decision 0879).
@task(
    ingest.AFTER_INGEST_BACKGROUND_TASK,
    merge_up_to=settings.AFTER_INGEST_BACKGROUND_MERGE,
    patience_seconds=settings.AFTER_INGEST_BACKGROUND_PATIENCE_SECONDS,
)
def after_ingest_background(message_ids: list[int]) -> None:
    ingest.run_background_steps(message_ids)


@task(outbound.SEND_TASK, time_limit_seconds=120)
def send_delivery(delivery_id: int) -> None:
    outbound.send_delivery(delivery_id)


@periodic("channels.sweep_pending", every_seconds=settings.SWEEP_EVERY_SECONDS)
def sweep_pending() -> None:
    ingest.sweep_pending()


@periodic("channels.sweep_after_ingest", every_seconds=settings.SWEEP_EVERY_SECONDS)
def sweep_after_ingest() -> None:
    ingest.sweep_after_ingest()


@periodic("channels.sweep_deliveries", every_seconds=15)
def sweep_deliveries() -> None:
    outbound.sweep_deliveries()


# Each channel package keeps its tasks and pollers in its own tasks module, named in its ChannelSpec.
registry.load_tasks()
