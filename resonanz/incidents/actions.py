"""Every write of the incidents app: detector events into rows, agents' decisions, the one answer to all.

Concurrency by construction: the detector has one owner at a time (the named lock `detector-<workspace>`
for the detection step, which computes before its write transaction; the record's row lock inside a
transaction), incidents are unique on (workspace, detector key), members on
(incident, conversation), notices on (update, customer). Fan-out batches are atomic: a worker killed in the
middle leaves whole batches, and the next run sends only to customers without a notice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Min, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext

from resonanz.channels.base import PUBLISH_POST
from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.channels.registry import get_adapter
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.locks import named_lock
from resonanz.core.models import AuditEntry
from resonanz.core.queue import enqueue
from resonanz.core.text import clean_text
from resonanz.incidents import detector
from resonanz.incidents.models import (
    Announcement,
    DetectorCluster,
    DetectorRecord,
    Incident,
    IncidentMember,
    IncidentNotice,
    IncidentUpdate,
    ObservedMessage,
)
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.incidents")

FAN_OUT_TASK = "incidents.fan_out"
FAN_OUT_BATCH = 5000
LEASE_SECONDS = 120
PERSIST_SECONDS = 30
MAX_PUBLIC_TEXT = 5000
MAX_TITLE = 200  # Incident.title and public_title


# --- the detector, persisted -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectorInput:
    message_id: int
    at: dt.datetime
    text: str
    customer_id: int
    conversation_id: int
    city: str = ""
    state: str = ""


def detector_config(workspace: Workspace) -> detector.DetectorConfig:
    raw = workspace.settings.get("incidents", {}) if isinstance(workspace.settings, dict) else {}
    knobs = raw.get("detector", {}) if isinstance(raw, dict) else {}
    return detector.DetectorConfig.from_json(knobs if isinstance(knobs, dict) else {})


def incident_settings(workspace: Workspace) -> dict[str, Any]:
    """`notify_new_members`: new matching messages get the current status; `solve_on_resolve`: member
    conversations are solved with the incident."""
    raw = workspace.settings.get("incidents", {}) if isinstance(workspace.settings, dict) else {}
    raw = raw if isinstance(raw, dict) else {}
    return {
        "notify_new_members": bool(raw.get("notify_new_members", True)),
        "solve_on_resolve": bool(raw.get("solve_on_resolve", True)),
    }


# The state of the last run, kept in memory while the record's version says nobody else wrote since.
_cache: dict[int, tuple[int, detector.DetectorState]] = {}
_cache_lock = threading.Lock()


def _owner() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}"


def with_detector(
    workspace: Workspace,
    work: Callable[[detector.DetectorState, detector.DetectorConfig], object],
    write: Callable[[], object] | None = None,
) -> None:
    """Run `work` on the workspace's detector state as its one owner, then `write` (the rows that follow
    from what `work` found), and keep the state.

    `work` changes the state in memory and writes nothing; `write` writes rows and does not touch the state.
    Outside a transaction (the detection step) the owner is the named lock `detector-<workspace>`, and
    `work` and encoding the state run before the write transaction (decision 0859): on SQLite that
    transaction is the database's one writer, and detecting inside it held back ingest, annotating and
    routing. The write transaction checks that nobody wrote the record meanwhile (an agent's decision does
    not take the named lock); if somebody did, everything runs again inside the transaction. Inside a
    transaction (an agent's decision) the record's row lock is the owner, as it always was.

    The state is written back when `work` returns something true (an incident opened, grew or ended, or an
    agent's decision) and otherwise at most every PERSIST_SECONDS: writing a large state costs more than a
    batch of messages. Between writes this process keeps it in memory, as long as the record's version shows
    that nobody else wrote. A failure rolls everything back and drops the memory copy."""
    config = detector_config(workspace)
    if not transaction.get_connection().in_atomic_block:
        with named_lock(f"detector-{workspace.pk}"):
            DetectorRecord.objects.get_or_create(workspace=workspace)
            record = DetectorRecord.objects.get(workspace=workspace)
            state, blob, now = _run_work(workspace, record, work, config)
            with transaction.atomic():
                locked = DetectorRecord.objects.select_for_update().get(workspace=workspace)
                if locked.version == record.version:
                    if write is not None:
                        write()
                    _keep(workspace, locked, state, blob, now)
                    return
        logger.info("incidents.detector_redone", extra={"workspace": workspace.pk})
    with transaction.atomic():
        found = DetectorRecord.objects.select_for_update().filter(workspace=workspace).first()
        if found is None:
            DetectorRecord.objects.get_or_create(workspace=workspace)
            found = DetectorRecord.objects.select_for_update().get(workspace=workspace)
        state, blob, now = _run_work(workspace, found, work, config)
        if write is not None:
            write()
        _keep(workspace, found, state, blob, now)


def _run_work(
    workspace: Workspace,
    record: DetectorRecord,
    work: Callable[[detector.DetectorState, detector.DetectorConfig], object],
    config: detector.DetectorConfig,
) -> tuple[detector.DetectorState, detector.Apart | None, dt.datetime]:
    """`work` on the state, and the state encoded if it is to be written (`write` never touches it)."""
    state, in_memory = _state_of(workspace, record)
    now = timezone.now()
    detector.set_maintenance(state, maintenance_windows(workspace, now))
    changed = bool(work(state, config))
    blob = detector.dumps_apart(state) if _must_persist(record, changed, in_memory, now) else None
    return state, blob, now


def _state_of(workspace: Workspace, record: DetectorRecord) -> tuple[detector.DetectorState, bool]:
    """The state in this process's memory if nobody wrote the record since, else the record's; the memory
    copy is taken out (a failure must not leave a half-changed state behind)."""
    with _cache_lock:
        cached = _cache.pop(workspace.pk, None)
    if cached is not None and cached[0] == record.version:
        return cached[1], True
    # Another process wrote since: its state, with the clusters neither of us changed taken from memory.
    previous = cached[1] if cached else None
    blob = bytes(record.state)
    if detector.is_apart(blob):
        rows = DetectorCluster.objects.filter(workspace_id=workspace.pk)
        versions = list(rows.order_by("cluster_id").values_list("cluster_id", "version"))
        unchanged = detector.unchanged_clusters(previous) if previous is not None else set()
        seen_version = cached[0] if cached else -1
        taken = {cid for cid, version in versions if version <= seen_version and cid in unchanged}
        texts: dict[int, str] = {}
        missing = [cid for cid, _ in versions if cid not in taken]
        for start in range(0, len(missing), 5000):
            texts.update(
                rows.filter(cluster_id__in=missing[start : start + 5000]).values_list("cluster_id", "text")
            )
        clusters = [(cid, None if cid in taken else texts[cid]) for cid, _ in versions]
        return detector.loads(blob, previous=previous, clusters=clusters), False
    state = detector.loads(blob, previous=previous)
    state.written = {}  # written before the clusters were rows: the next write stores all of them
    return state, False


def _must_persist(record: DetectorRecord, changed: bool, in_memory: bool, now: dt.datetime) -> bool:
    stale = record.lease_until is None or now - record.updated_at >= dt.timedelta(seconds=PERSIST_SECONDS)
    return changed or stale or not in_memory or record.lease_owner != _owner()


def _keep(
    workspace: Workspace,
    record: DetectorRecord,
    state: detector.DetectorState,
    blob: detector.Apart | None,
    now: dt.datetime,
) -> None:
    """Inside the write transaction: store the encoded state (if any: the rest in the record, the changed
    clusters as rows) and remember the state in memory once the transaction commits."""
    if blob is not None:
        clusters = DetectorCluster.objects.filter(workspace_id=workspace.pk)
        if blob.everything:
            clusters.delete()
        elif blob.gone:
            clusters.filter(cluster_id__in=blob.gone).delete()
        if blob.changed:
            DetectorCluster.objects.bulk_create(
                [
                    DetectorCluster(
                        workspace_id=workspace.pk, cluster_id=cid, text=text, version=record.version + 1
                    )
                    for cid, text in blob.changed.items()
                ],
                update_conflicts=True,
                unique_fields=["workspace", "cluster_id"],
                update_fields=["text", "version"],
                batch_size=500,
            )
        record.state = blob.head
        record.version += 1
        record.lease_owner = _owner()
        record.lease_until = now + dt.timedelta(seconds=LEASE_SECONDS)
        record.save(update_fields=["state", "version", "lease_owner", "lease_until", "updated_at"])
    version = record.version

    def remember() -> None:
        with _cache_lock:
            _cache[workspace.pk] = (version, state)

    transaction.on_commit(remember)


def maintenance_windows(workspace: Workspace, now: dt.datetime) -> list[detector.Maintenance]:
    rows = Announcement.objects.filter(
        workspace=workspace, kind=Announcement.Kind.MAINTENANCE, ends_at__gte=now - dt.timedelta(hours=1)
    ).values_list("regions", "starts_at", "ends_at")
    return [
        detector.Maintenance(frozenset(str(r) for r in regions or []), starts.timestamp(), ends.timestamp())
        for regions, starts, ends in rows
        if regions
    ]


def do_detect(
    workspace: Workspace,
    inputs: Sequence[DetectorInput],
    embed: detector.Embed | None = None,
) -> list[int]:
    """Feed understood messages to the workspace's detector and apply what it found. Returns the ids of the
    incidents that opened or grew."""
    touched: list[int] = []
    events_seen: list[detector.Event] = []

    # A follow-up in a conversation that already belongs to an active incident is the same problem, not new
    # evidence (customers write "läuft wieder!" in the thread of their outage report).
    linked = set(
        IncidentMember.objects.filter(
            conversation_id__in=[item.conversation_id for item in inputs],
            incident__workspace=workspace,
            incident__status__in=Incident.ACTIVE,
        ).values_list("conversation_id", flat=True)
    )

    conversation_of = {item.message_id: item.conversation_id for item in inputs}

    def work(state: detector.DetectorState, config: detector.DetectorConfig) -> bool:
        events_seen.clear()  # a second run (the record changed meanwhile) starts from the stored state
        # Read as the owner: a task for the same messages that held the detector before has committed.
        seen = set(
            ObservedMessage.objects.filter(message_id__in=[item.message_id for item in inputs]).values_list(
                "message_id", flat=True
            )
        )
        # A conversation that joins an incident in this batch is linked for its later messages in the batch
        # too, as it is for those of the next batch: what a message counts for does not depend on how the
        # stream was cut into tasks (decision 0876: tasks grow when the worker falls behind).
        joined = set(linked)
        for item in sorted(inputs, key=lambda i: (i.at, i.message_id)):
            if item.conversation_id in joined or item.message_id in seen:
                continue
            observation = detector.Observation(
                message_id=item.message_id,
                at=item.at.timestamp(),
                text=item.text,
                customer=str(item.customer_id),
                city=item.city,
                state=item.state,
            )
            found = detector.observe(state, observation, config, embed)
            events_seen.extend(found)
            for event in found:
                if not isinstance(event, detector.Ended):
                    joined.update(conversation_of[m] for m in event.message_ids if m in conversation_of)
        return bool(events_seen)

    def write() -> None:
        # The batch's events become rows together: a few queries per incident, not per event (0834).
        touched[:] = _apply_events(workspace, events_seen, {item.message_id: item for item in inputs})
        ObservedMessage.objects.bulk_create(
            [ObservedMessage(message_id=item.message_id) for item in inputs], ignore_conflicts=True
        )

    with_detector(workspace, work, write)
    return sorted(set(touched))


def _apply_events(
    workspace: Workspace, events: Sequence[detector.Event], inputs: dict[int, DetectorInput]
) -> list[int]:
    """The detector's events of one batch as rows, in their order: an incident opens (once: unique on its
    detector key), grows by the batch's messages (their regions counted, their conversations linked) or its
    burst ends. Returns the ids of the incidents that opened or grew.

    The same rows as applying the events one by one (decision 0834): the incidents are read once, each
    incident's regions are written once and its members linked in one `_link_members` with the message
    ids in event order (within an event in id order), so the first message of a conversation wins as
    before."""
    if not events:
        return []
    incidents = {
        incident.detector_key: incident
        for incident in Incident.objects.filter(
            workspace=workspace, detector_key__in={event.key for event in events}
        )
    }
    for known in incidents.values():
        known.workspace = workspace  # read by the members' notices: not once per incident again
    touched: list[int] = []
    members: dict[int, list[int]] = {}  # detector key → message ids, in the order of the events
    regions_changed: set[int] = set()
    ended: dict[int, dt.datetime] = {}
    for event in events:
        at = dt.datetime.fromtimestamp(event.at, dt.UTC)
        incident = incidents.get(event.key)
        if isinstance(event, detector.Opened):
            if incident is None:
                incident, created = Incident.objects.get_or_create(
                    workspace=workspace,
                    detector_key=event.key,
                    defaults={
                        "title": event.title[:200] or "Störung",
                        "states": event.states,
                        "cities": event.cities,
                        "detected_at": at,
                    },
                )
                if created:
                    AuditEntry.objects.create(
                        workspace_id=workspace.pk,
                        action="incident.detected",
                        object_type="incident",
                        object_id=incident.pk,
                        data={"customers": event.customers, "title": incident.title},
                    )
                incidents[event.key] = incident
            members.setdefault(event.key, []).extend(sorted(set(event.message_ids)))
            touched.append(incident.pk)
        elif incident is None:
            continue  # an agent deleted it meanwhile
        elif isinstance(event, detector.Grew):
            if _count_regions(incident, event.message_ids, inputs):
                regions_changed.add(event.key)
            members.setdefault(event.key, []).extend(sorted(set(event.message_ids)))
            touched.append(incident.pk)
        else:
            ended[event.key] = at
    for key in regions_changed:
        incident = incidents[key]
        Incident.objects.filter(pk=incident.pk).update(cities=incident.cities, states=incident.states)
    for key, message_ids in members.items():
        _link_members(incidents[key], message_ids)
    for key, at in ended.items():
        Incident.objects.filter(pk=incidents[key].pk).update(burst_ended_at=at)
    return touched


def _count_regions(incident: Incident, message_ids: Iterable[int], inputs: dict[int, DetectorInput]) -> bool:
    """Count the regions of these messages (of this batch) into the incident in memory; True if any."""
    cities, states = dict(incident.cities or {}), dict(incident.states or {})
    changed = False
    for message_id in message_ids:
        item = inputs.get(message_id)
        if item is None:
            continue
        if item.city:
            cities[item.city] = cities.get(item.city, 0) + 1
            changed = True
        if item.state:
            states[item.state] = states.get(item.state, 0) + 1
            changed = True
    if changed:
        incident.cities, incident.states = cities, states
    return changed


def add_members(
    incident: Incident, message_ids: Iterable[int], inputs: dict[int, DetectorInput] | None = None
) -> int:
    """Link the conversations of these messages to the incident (once each); returns how many are new.
    Messages of an earlier batch (pooled by the detector) are looked up."""
    return _link_members(incident, sorted(set(message_ids)))


def _link_members(incident: Incident, message_ids: Sequence[int]) -> int:
    """`add_members` with the message ids in the order given: of several messages of one conversation,
    the first is the one the member names."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return 0
    position = {message_id: index for index, message_id in enumerate(ids)}
    rows = sorted(
        Message.objects.filter(id__in=ids, workspace_id=incident.workspace_id).values_list(
            "id", "conversation_id", "conversation__customer_id", "created_at"
        ),
        key=lambda row: position[row[0]],
    )
    have = set(
        IncidentMember.objects.filter(
            incident=incident, conversation_id__in=[r[1] for r in rows]
        ).values_list("conversation_id", flat=True)
    )
    new: dict[int, IncidentMember] = {}
    for message_id, conversation_id, customer_id, created_at in rows:
        if conversation_id in have or conversation_id in new:
            continue
        new[conversation_id] = IncidentMember(
            incident=incident,
            conversation_id=conversation_id,
            customer_id=customer_id,
            message_id=message_id,
            reported_at=created_at,
        )
    if not new:
        return 0
    customers = {member.customer_id for member in new.values()}
    known = set(
        IncidentMember.objects.filter(incident=incident, customer_id__in=customers).values_list(
            "customer_id", flat=True
        )
    )
    IncidentMember.objects.bulk_create(new.values(), ignore_conflicts=True)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            conversation_id=conversation_id,
            kind="incident_linked",
            data={"incident_id": incident.pk, "title": incident.title},
        )
        for conversation_id in new
    )
    _count_new_members(incident, list(new.values()), new_customers=len(customers - known))
    if incident.status in (
        Incident.Status.INVESTIGATING,
        Incident.Status.IDENTIFIED,
        Incident.Status.MONITORING,
    ):
        latest = incident.updates.filter(notify=True).order_by("-id").first()
        if latest is not None and incident_settings(incident.workspace)["notify_new_members"]:
            enqueue(FAN_OUT_TASK, latest.pk)
    return len(new)


def _count_new_members(incident: Incident, members: list[IncidentMember], new_customers: int) -> None:
    """Add new members to the incident's figures from the members themselves: the cost of a batch does
    not grow with the outage (a full `_recount` read every member of the incident per batch). The members
    were checked to be new in this transaction, and `new_customers` counts the customers the incident did
    not have; the update adds to the stored figures (F), whatever this object holds. (Two transactions
    linking the same conversation at once on PostgreSQL could count it twice, where two full recounts would
    each miss the other's rows; a split recounts in full.)"""
    first = min(member.reported_at for member in members)
    Incident.objects.filter(pk=incident.pk).update(
        member_count=F("member_count") + len(members),
        customer_count=F("customer_count") + new_customers,
        first_report_at=Least(Coalesce(F("first_report_at"), Value(first)), Value(first)),
    )
    incident.member_count += len(members)
    incident.customer_count += new_customers
    incident.first_report_at = (
        first if incident.first_report_at is None else min(incident.first_report_at, first)
    )


def _recount(incident: Incident) -> None:
    figures = IncidentMember.objects.filter(incident=incident).aggregate(
        members=Count("id"), customers=Count("customer_id", distinct=True), first=Min("reported_at")
    )
    Incident.objects.filter(pk=incident.pk).update(
        member_count=figures["members"] or 0,
        customer_count=figures["customers"] or 0,
        first_report_at=figures["first"],
    )
    incident.member_count = figures["members"] or 0
    incident.customer_count = figures["customers"] or 0
    incident.first_report_at = figures["first"]


# --- what agents decide -------------------------------------------------------------------------------------


def check_incident_status(status: str) -> str:
    if status not in (
        Incident.Status.INVESTIGATING,
        Incident.Status.IDENTIFIED,
        Incident.Status.MONITORING,
        Incident.Status.RESOLVED,
    ):
        raise InvalidInput(gettext("Status: erlaubt sind investigating, identified, monitoring, resolved"))
    return status


def check_public_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(gettext("Ein Update braucht einen öffentlichen Text"))
    if len(text) > MAX_PUBLIC_TEXT:
        raise InvalidInput(
            gettext("Ein öffentlicher Text darf höchstens %(limit)s Zeichen haben")
            % {"limit": MAX_PUBLIC_TEXT}
        )
    return text


def _audit(agent: Agent | None, incident: Incident, action: str, **data: Any) -> None:
    AuditEntry.objects.create(
        workspace_id=incident.workspace_id,
        actor_id=agent.pk if agent else None,
        action=action,
        object_type="incident",
        object_id=incident.pk,
        data=data,
    )


def _same_workspace(agent: Agent, incident: Incident) -> None:
    if agent.workspace_id != incident.workspace_id:
        raise InvalidInput(gettext("Die Störung gehört zu einem anderen Arbeitsbereich"))


def do_create_incident(agent: Agent, title: str, *, internal_note: str = "") -> Incident:
    """An incident an agent opens by hand (the detector has no key for it)."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput(gettext("Eine Störung braucht einen Titel"))
    with transaction.atomic():
        incident = Incident.objects.create(
            workspace_id=agent.workspace_id,
            title=title[:200],
            status=Incident.Status.INVESTIGATING,
            internal_note=internal_note,
            created_by=agent,
            detected_at=timezone.now(),
        )
        _audit(agent, incident, "incident.created")
    return incident


def do_post_incident_update(
    agent: Agent, incident: Incident, status: str, public_text: str, *, notify: bool = True
) -> IncidentUpdate:
    """Write one update (status + public text) and send it to every affected customer. Resolving solves the
    member conversations (configurable) and tells the detector to stop adding to the incident."""
    _same_workspace(agent, incident)
    status = check_incident_status(status)
    public_text = check_public_text(public_text)
    if incident.status in (Incident.Status.DISMISSED, Incident.Status.MERGED):
        raise InvalidInput(gettext("Eine verworfene oder zusammengeführte Störung nimmt keine Updates an"))
    now = timezone.now()
    with transaction.atomic():
        update = IncidentUpdate.objects.create(
            incident=incident, status=status, public_text=public_text, notify=notify, author=agent
        )
        fields: dict[str, Any] = {"status": status, "public_text": public_text}
        if status == Incident.Status.RESOLVED:
            fields["resolved_at"] = now
        Incident.objects.filter(pk=incident.pk).update(**fields)
        for name, value in fields.items():
            setattr(incident, name, value)
        _audit(agent, incident, "incident.updated", status=status, update_id=update.pk)
        if notify:
            enqueue(FAN_OUT_TASK, update.pk)
    if status == Incident.Status.RESOLVED:
        _detector_forget(incident)
        if incident_settings(incident.workspace)["solve_on_resolve"]:
            _solve_members(agent, incident)
    return update


def _solve_members(agent: Agent | None, incident: Incident) -> int:
    conversation_ids = list(
        IncidentMember.objects.filter(incident=incident)
        .exclude(conversation__status__in=[Conversation.Status.SOLVED, Conversation.Status.CLOSED])
        .values_list("conversation_id", flat=True)
    )
    with transaction.atomic():
        old = dict(Conversation.objects.filter(pk__in=conversation_ids).values_list("id", "status"))
        Conversation.objects.filter(pk__in=conversation_ids).update(status=Conversation.Status.SOLVED)
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                conversation_id=cid,
                actor=agent,
                kind="status_changed",
                data={"from": old.get(cid, ""), "to": Conversation.Status.SOLVED, "incident_id": incident.pk},
            )
            for cid in conversation_ids
        )
    return len(conversation_ids)


def do_confirm_incident(agent: Agent, incident: Incident) -> None:
    """A suggested incident is real: it is being investigated (and shown on the status page)."""
    _same_workspace(agent, incident)
    if incident.status != Incident.Status.SUGGESTED:
        raise InvalidInput(gettext("Nur eine vorgeschlagene Störung lässt sich bestätigen"))
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.INVESTIGATING)
        incident.status = Incident.Status.INVESTIGATING
        _audit(agent, incident, "incident.confirmed")


def do_dismiss_incident(agent: Agent, incident: Incident) -> None:
    """Not an incident: its members are unlinked from it, and the detector learns to stay silent about
    clusters that look like it (a suppression of that signature)."""
    _same_workspace(agent, incident)
    if not incident.is_active:
        raise InvalidInput(gettext("Nur eine aktive Störung lässt sich verwerfen"))
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.DISMISSED)
        incident.status = Incident.Status.DISMISSED
        _audit(agent, incident, "incident.dismissed")
    key = incident.detector_key
    if key is not None:
        with_detector(
            incident.workspace,
            lambda state, config: detector.suppress(state, key, timezone.now().timestamp(), config),
        )


def do_merge_incidents(agent: Agent, keep: Incident, other: Incident) -> int:
    """`other` was the same problem: its members join `keep` (once each); returns how many moved."""
    _same_workspace(agent, keep)
    _same_workspace(agent, other)
    if keep.pk == other.pk:
        raise InvalidInput(gettext("Eine Störung lässt sich nicht mit sich selbst zusammenführen"))
    if not other.is_active or keep.status in (Incident.Status.DISMISSED, Incident.Status.MERGED):
        raise InvalidInput(
            gettext(
                "Führen Sie eine aktive Störung mit einer zusammen, die weder verworfen noch zusammengeführt ist"
            )
        )
    with transaction.atomic():
        message_ids = list(
            IncidentMember.objects.filter(incident=other)
            .filter(message__isnull=False)
            .values_list("message_id", flat=True)
        )
        moved = add_members(keep, message_ids)
        cities = dict(keep.cities)
        for name, count in other.cities.items():
            cities[name] = cities.get(name, 0) + count
        states = dict(keep.states)
        for name, count in other.states.items():
            states[name] = states.get(name, 0) + count
        Incident.objects.filter(pk=keep.pk).update(cities=cities, states=states)
        Incident.objects.filter(pk=other.pk).update(status=Incident.Status.MERGED, merged_into=keep)
        other.status = Incident.Status.MERGED
        _audit(agent, keep, "incident.merged", other=other.pk, moved=moved)
    if keep.detector_key is not None and other.detector_key is not None:
        keep_key, other_key = keep.detector_key, other.detector_key
        with_detector(keep.workspace, lambda state, config: detector.merge(state, keep_key, other_key))
    return moved


def do_split_incident(
    agent: Agent, incident: Incident, conversation_ids: Sequence[int], title: str = ""
) -> Incident:
    """Some members are another problem: they move (once each) into a new incident of the same status, with
    a timeline entry on each moved conversation and an audit entry on both incidents. The new incident has
    no detector key: the detector goes on growing the old one, agents the new one."""
    _same_workspace(agent, incident)
    if not incident.is_active:
        raise InvalidInput(gettext("Nur von einer aktiven Störung lassen sich Gespräche abspalten"))
    wanted = {int(c) for c in conversation_ids}
    if not wanted:
        raise InvalidInput(gettext("Wählen Sie die Gespräche, die abgespalten werden sollen"))
    with transaction.atomic():
        # The incident's row lock serializes two agents splitting (or merging) the same incident.
        Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk").first()
        members = IncidentMember.objects.filter(incident=incident)
        moving = list(members.filter(conversation_id__in=wanted).values_list("pk", "conversation_id"))
        if len(moving) != len(wanted):
            raise InvalidInput(gettext("Abspalten lassen sich nur Gespräche dieser Störung"))
        if len(moving) == members.count():
            raise InvalidInput(
                gettext(
                    "Eine Störung lässt sich nicht vollständig abspalten; lassen Sie mindestens ein Gespräch darin"
                )
            )
        title = (title or "").strip()[:200] or f"{incident.title[:180]} (abgespalten)"
        new = Incident.objects.create(
            workspace_id=incident.workspace_id,
            title=title,
            status=incident.status,
            public_text=incident.public_text,
            created_by=agent,
            detected_at=timezone.now(),
        )
        IncidentMember.objects.filter(pk__in=[pk for pk, _ in moving]).update(incident=new)
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                conversation_id=conversation_id,
                actor=agent,
                kind="incident_linked",
                data={"incident_id": new.pk, "title": new.title, "split_from": incident.pk},
            )
            for _, conversation_id in moving
        )
        for each in (incident, new):
            _recount(each)
            _count_member_regions(each)
        _audit(agent, incident, "incident.split", new=new.pk, moved=len(moving))
        _audit(agent, new, "incident.split", split_from=incident.pk, moved=len(moving))
    return new


def _count_member_regions(incident: Incident) -> None:
    """Cities and federal states of the members' messages, from their region annotations."""
    cities: dict[str, int] = {}
    states: dict[str, int] = {}
    for label, data in Annotation.objects.filter(
        annotator="region",
        message_id__in=IncidentMember.objects.filter(incident=incident, message__isnull=False).values(
            "message_id"
        ),
    ).values_list("label", "data"):
        city = str((data or {}).get("city") or "")
        if city:
            cities[city] = cities.get(city, 0) + 1
        if label:
            states[str(label)] = states.get(str(label), 0) + 1
    Incident.objects.filter(pk=incident.pk).update(cities=cities, states=states)
    incident.cities, incident.states = cities, states


def _detector_forget(incident: Incident) -> None:
    key = incident.detector_key
    if key is not None:
        with_detector(incident.workspace, lambda state, config: detector.close(state, key))


def do_rename_incident(agent: Agent, incident: Incident, *, title: str, public_title: str) -> None:
    """The agents' title and the public one (status page, feed, the subject of the notices). A detected
    incident starts with a customer's words as its title; the public pages never show those (decision
    0874), they show the public title or, while it is empty, "Störung in <regions>"."""
    _same_workspace(agent, incident)
    title = " ".join(clean_text(title or "")[0].split())
    public = " ".join(clean_text(public_title or "")[0].split())
    if not title:
        raise InvalidInput(gettext("Eine Störung braucht einen Titel"))
    if len(title) > MAX_TITLE or len(public) > MAX_TITLE:
        raise InvalidInput(gettext("Ein Titel darf höchstens %(limit)s Zeichen haben") % {"limit": MAX_TITLE})
    if (title, public) == (incident.title, incident.public_title):
        return
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(title=title, public_title=public)
        _audit(
            agent,
            incident,
            "incident.renamed",
            title=[incident.title, title],
            public_title=[incident.public_title, public],
        )
        incident.title, incident.public_title = title, public


def do_set_internal_note(agent: Agent, incident: Incident, note: str) -> None:
    _same_workspace(agent, incident)
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(internal_note=note.strip()[:MAX_PUBLIC_TEXT])
        incident.internal_note = note.strip()[:MAX_PUBLIC_TEXT]
        _audit(agent, incident, "incident.note")


# --- one answer to all ----------------------------------------------------------------------------------------


def _limit_of(kind: str, config: dict[str, Any]) -> int | None:
    key = str(config.get("imitates", "")) if kind == "fake" else kind
    try:
        return get_adapter(key or kind).max_text_length
    except KeyError:
        return None


def notice_text(public_text: str, limit: int | None) -> str:
    """The update in the channel's form: on a channel with a length limit (X: 280), shortened at a word."""
    text = " ".join(public_text.split()) if limit else public_text
    if limit is None or len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def do_fan_out(update_id: int, *, batch: int = FAN_OUT_BATCH) -> int:
    """Send one update to every affected customer who has not got it: per customer their newest member
    conversation, on its channel and in its form (a public reply where they wrote publicly, else a direct
    message or e-mail). Each batch is one transaction: messages, deliveries and notices together; the
    notice's unique (update, customer) makes a second run, or a run racing this one, send nothing twice.
    Returns how many notices were created."""
    created = 0
    while True:
        done = _fan_out_batch(update_id, batch)
        if done < 0:
            return created
        created += done
        if done < batch:
            return created


def _fan_out_batch(update_id: int, batch: int) -> int:
    with transaction.atomic():
        # Lock the update row alone (PostgreSQL refuses FOR UPDATE on the nullable side of a join).
        update = IncidentUpdate.objects.select_for_update().filter(pk=update_id).first()
        if update is None:
            return -1
        incident = update.incident
        already = IncidentNotice.objects.filter(update=update).values("customer_id")
        # The newest member conversation of each customer still without this update.
        newest = (
            IncidentMember.objects.filter(incident=incident)
            .exclude(customer_id__in=already)
            .values("customer_id")
            .annotate(newest_conversation=Max("conversation_id"))
            .order_by("customer_id")[:batch]
        )
        targets = {row["customer_id"]: row["newest_conversation"] for row in newest}
        if not targets:
            IncidentUpdate.objects.filter(pk=update.pk, fanned_out_at=None).update(
                fanned_out_at=timezone.now()
            )
            return 0
        conversations = {
            c.pk: c
            for c in Conversation.objects.filter(pk__in=targets.values()).select_related("channel_account")
        }
        last_inbound: dict[int, tuple[str, str]] = {}
        for inbound_conversation, external_id, handle in (
            Message.objects.filter(
                conversation_id__in=list(conversations), direction=Message.Direction.INBOUND
            )
            .order_by("conversation_id", "created_at", "id")
            .values_list("conversation_id", "external_id", "author_identity__handle")
        ):
            last_inbound[inbound_conversation] = (external_id or "", handle or "")
        now = timezone.now()
        agent = update.author
        messages: list[Message] = []
        plans: list[tuple[int, Conversation, str]] = []
        for customer_id, conversation_id in targets.items():
            conversation = conversations[conversation_id]
            account = conversation.channel_account
            text = notice_text(update.public_text, _limit_of(account.kind, account.config or {}))
            visibility = Message.Visibility.PUBLIC if conversation.is_public else Message.Visibility.PRIVATE
            messages.append(
                Message(
                    workspace_id=conversation.workspace_id,
                    conversation=conversation,
                    channel_account_id=conversation.channel_account_id,
                    direction=Message.Direction.OUTBOUND,
                    visibility=visibility,
                    author_agent=agent,
                    text=text,
                    extra={"incident_id": incident.pk, "incident_update_id": update.pk},
                    created_at=now,
                    received_at=now,
                )
            )
            plans.append((customer_id, conversation, text))
        Message.objects.bulk_create(messages)
        deliveries = [
            OutboundDelivery(
                channel_account_id=conversation.channel_account_id,
                message=message,
                action=get_adapter(conversation.channel_account.kind).reply_action(
                    conversation.channel_account,
                    is_public=conversation.is_public,
                    in_reply_to_external_id=last_inbound.get(conversation.pk, ("", ""))[0],
                ),
                idempotency_key=f"incident-update-{update.pk}-customer-{customer_id}",
                payload={
                    "text": text,
                    "is_public": conversation.is_public,
                    "recipient_handle": last_inbound.get(conversation.pk, ("", ""))[1],
                    "in_reply_to_external_id": last_inbound.get(conversation.pk, ("", ""))[0],
                    "subject": conversation.subject or incident.shown_title(),
                    "agent_name": agent.display_name if agent else "",
                    "agent_initials": agent.initials if agent else "",
                    "incident_id": incident.pk,
                },
            )
            for (customer_id, conversation, text), message in zip(plans, messages, strict=True)
        ]
        OutboundDelivery.objects.bulk_create(deliveries)
        IncidentNotice.objects.bulk_create(
            IncidentNotice(
                update=update,
                customer_id=customer_id,
                conversation=conversation,
                message=message,
                delivery=delivery,
            )
            for (customer_id, conversation, _), message, delivery in zip(
                plans, messages, deliveries, strict=True
            )
        )
        # The outbound message (with incident and update ids in `extra`) is the conversation's record.
        Conversation.objects.filter(pk__in=[c.pk for _, c, _ in plans]).update(
            message_count=F("message_count") + 1, last_message_at=now
        )
        for delivery in deliveries:
            enqueue("channels.send_delivery", delivery.pk)
        logger.info("incidents.fan_out.batch", extra={"update": update.pk, "notices": len(deliveries)})
        return len(deliveries)


# --- announcements ----------------------------------------------------------------------------------------------


def do_create_announcement(
    agent: Agent,
    *,
    kind: str,
    title: str,
    public_text: str,
    regions: Sequence[str],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    publish: bool = True,
) -> Announcement:
    """Store an announcement (the status page and every agent's banner show it while it is current) and,
    with `publish`, post it once on every connected public channel that can publish a post."""
    if kind not in Announcement.Kind.values:
        raise InvalidInput(
            gettext("Art: erlaubt sind %(kinds)s") % {"kinds": ", ".join(Announcement.Kind.values)}
        )
    title = (title or "").strip()
    if not title:
        raise InvalidInput(gettext("Eine Ankündigung braucht einen Titel"))
    public_text = check_public_text(public_text)
    if ends_at <= starts_at:
        raise InvalidInput(gettext("Eine Ankündigung muss nach ihrem Beginn enden"))
    with transaction.atomic():
        announcement = Announcement.objects.create(
            workspace_id=agent.workspace_id,
            kind=kind,
            title=title[:200],
            public_text=public_text,
            regions=[str(r).strip() for r in regions if str(r).strip()],
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=agent,
        )
        AuditEntry.objects.create(
            workspace_id=agent.workspace_id,
            actor_id=agent.pk,
            action="announcement.created",
            object_type="announcement",
            object_id=announcement.pk,
            data={"title": announcement.title, "regions": announcement.regions},
        )
        if publish:
            do_publish_announcement(agent, announcement)
    return announcement


def publishing_accounts(workspace_id: int) -> list[ChannelAccount]:
    """The workspace's connected public channels whose adapter can publish a post of its own."""
    accounts = ChannelAccount.objects.filter(workspace_id=workspace_id, is_public=True).exclude(
        status=ChannelAccount.Status.DISABLED
    )
    found = []
    for account in accounts.order_by("pk"):
        try:
            adapter = get_adapter(account.kind)
        except KeyError:
            continue
        if adapter.announcement_action(account) == PUBLISH_POST:
            found.append(account)
    return found


def announcement_post_key(announcement_id: int, account_id: int) -> str:
    return f"announcement-{announcement_id}-account-{account_id}"


def do_publish_announcement(agent: Agent | None, announcement: Announcement) -> int:
    """Post the announcement once on each publishing public channel: one persisted delivery per account
    (its idempotency key makes a second call create nothing), sent by the send task like every delivery,
    with the platform's rate limits and retries. Returns how many posts were queued now."""
    text = f"{announcement.title}: {announcement.public_text}"
    created: list[OutboundDelivery] = []
    with transaction.atomic():
        for account in publishing_accounts(announcement.workspace_id):
            delivery, new = OutboundDelivery.objects.get_or_create(
                idempotency_key=announcement_post_key(announcement.pk, account.pk),
                defaults={
                    "channel_account": account,
                    "action": PUBLISH_POST,
                    "payload": {
                        "text": notice_text(text, _limit_of(account.kind, account.config or {})),
                        "is_public": True,
                        "announcement_id": announcement.pk,
                    },
                },
            )
            if new:
                created.append(delivery)
        if created:
            AuditEntry.objects.create(
                workspace_id=announcement.workspace_id,
                actor_id=agent.pk if agent else None,
                action="announcement.posted",
                object_type="announcement",
                object_id=announcement.pk,
                data={"channel_accounts": [d.channel_account_id for d in created]},
            )
        for delivery in created:
            enqueue("channels.send_delivery", delivery.pk)
    return len(created)


def announcement_posts(announcement: Announcement) -> list[OutboundDelivery]:
    """The announcement's posts on the public channels, with their delivery status."""
    return list(
        OutboundDelivery.objects.filter(
            idempotency_key__startswith=f"announcement-{announcement.pk}-account-"
        )
        .select_related("channel_account")
        .order_by("pk")
    )
