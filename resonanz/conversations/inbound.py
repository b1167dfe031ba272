"""Storing a batch of normalized inbound messages in a few set-based queries (the ingest hot path).

Same rules as `actions.do_store_inbound_message` (which stores one message and is the reference): resolve or
create the author's identity and customer, thread the message (parent's conversation; else the hinted
conversation of the same customer; else the customer's open conversation on this channel account; else a
new one), insert it, count it on the conversation. Per batch: one query each for known messages,
identities, parents and open conversations, bulk inserts for customers, identities, conversations,
messages and timeline entries, and one UPDATE per touched conversation (F() expressions, safe with
concurrent workers). Call inside a transaction; on any integrity error the caller falls back to the
one-by-one path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from resonanz.conversations import sla
from resonanz.conversations.accounts import ChannelAccountRef
from resonanz.conversations.actions import (
    StoredMessage,
    inbound_sla_fields,
    store_attachments,
)
from resonanz.conversations.inbound_rules import (
    HINTABLE_STATUSES,
    choose_conversation,
    inbound_message,
    is_participant,
    new_conversation,
    platform_messages,
    reopens,
    thread_references,
)
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.core.bulk import insert_objects
from resonanz.customers.actions import do_resolve_identity, new_customer, normalize_handle
from resonanz.customers.models import Customer, Identity
from resonanz.workspaces.models import Workspace


@dataclass
class _Touch:
    conversation: Conversation
    count: int = 0
    newest: object = None
    reopen: bool = False
    created: bool = False
    first_message: Message | None = None
    message_ids: list[int] = field(default_factory=list)


def _resolve_identities(
    workspace_id: int, items: Sequence[NormalizedMessage]
) -> dict[tuple[str, str], Identity]:
    keys: dict[tuple[str, str], NormalizedMessage] = {}
    by_platform_id: dict[tuple[str, str], Identity] = {}
    # In key order: two workers storing batches with the same new authors then take the identities' row
    # locks in the same order and at most wait for each other, never deadlock (scale-out, PostgreSQL).
    authored = [
        ((item.author.kind, normalize_handle(item.author.kind, item.author.handle)), item) for item in items
    ]
    for key, item in sorted(authored, key=lambda pair: pair[0]):
        if item.author.external_id:
            # Handles that can change hands (X): the account id decides, one by one (renames are rare,
            # and the handle of an identity may move); see do_resolve_identity.
            workspace = Workspace(pk=workspace_id)
            by_platform_id[key] = do_resolve_identity(workspace, item.author)
            continue
        keys.setdefault(key, item)
    if not keys:
        return by_platform_id
    candidates = Identity.objects.filter(
        workspace_id=workspace_id, kind__in={k for k, _ in keys}, handle__in={h for _, h in keys}
    )
    found = {(i.kind, i.handle): i for i in candidates if (i.kind, i.handle) in keys}
    missing = [key for key in keys if key not in found]
    if missing:
        customers = [new_customer(workspace_id, keys[key].author, key[1]) for key in missing]
        insert_objects(customers)
        Identity.objects.bulk_create(
            [
                Identity(
                    workspace_id=workspace_id,
                    customer=customer,
                    kind=key[0],
                    handle=key[1],
                    display_name=keys[key].author.display_name[:200],
                )
                for key, customer in zip(missing, customers, strict=True)
            ],
            ignore_conflicts=True,  # a concurrent worker may have created the same identity
        )
        created = Identity.objects.filter(
            workspace_id=workspace_id, kind__in={k for k, _ in missing}, handle__in={h for _, h in missing}
        )
        for identity in created:
            if (identity.kind, identity.handle) in keys:
                found[(identity.kind, identity.handle)] = identity
        used = {identity.customer_id for identity in found.values()}
        orphans = [customer.pk for customer in customers if customer.pk not in used]
        if orphans:  # we lost the race for these identities: drop the customers we made for them
            Customer.objects.filter(pk__in=orphans).delete()
    return {**found, **by_platform_id}


@dataclass
class _Planned:
    """One fresh message on its way through the passes."""

    item: NormalizedMessage
    identity: Identity
    conversation: Conversation
    parent: Message | None  # a stored parent
    in_batch_parent: str | None  # or the external id of a parent in the same batch
    message: Message | None = None


@dataclass
class _Known:
    """What the batch needs from the database, read in one query each."""

    identities: dict[tuple[str, str], Identity]
    parents: dict[str, Message]
    open_by_customer: dict[int, Conversation]
    hinted: dict[int, Conversation]


def store_inbound_batch(
    account: ChannelAccountRef, items: Sequence[NormalizedMessage]
) -> list[StoredMessage | None]:
    """Store messages of one channel account in order; None for a message already stored.

    The passes, each a few set-based queries: drop messages already stored; read identities, parents and
    candidate conversations; thread every message in memory; create the new conversations; insert the
    messages (and link replies within the batch); count them on their conversations with timeline entries.
    The rules are `inbound_rules`, shared with the one-by-one path."""
    if not items:
        return []
    fresh = _fresh(account, items)
    if not fresh:
        return [None] * len(items)
    known = _read_known(account, fresh)
    planned, new_conversations = _thread_in_memory(account, fresh, known)
    _create_conversations(account, new_conversations)
    _insert_messages(account, planned, received_at=timezone.now())
    touched = _count_on_conversations(account, planned, {c.pk for c in new_conversations})
    return _in_order(items, planned, touched)


def _fresh(account: ChannelAccountRef, items: Sequence[NormalizedMessage]) -> list[NormalizedMessage]:
    """The messages not stored yet, each once (the same message twice in one batch is stored once)."""
    known = set(
        platform_messages(account.pk, [i.external_id for i in items]).values_list("external_id", flat=True)
    )
    fresh: list[NormalizedMessage] = []
    for item in items:
        if item.external_id not in known:
            known.add(item.external_id)
            fresh.append(item)
    return fresh


def _read_known(account: ChannelAccountRef, fresh: list[NormalizedMessage]) -> _Known:
    """Authors' identities (created where new), stored parents, the authors' open conversations on this
    channel account and the conversations channels hinted at."""
    identities = _resolve_identities(account.workspace_id, fresh)
    parent_ids = {ref for item in fresh for ref in thread_references(item)}
    parents = (
        {m.external_id: m for m in platform_messages(account.pk, parent_ids).select_related("conversation")}
        if parent_ids
        else {}
    )
    customer_ids = {identity.customer_id for identity in identities.values()}
    open_by_customer: dict[int, Conversation] = {}
    for existing in Conversation.objects.filter(
        customer_id__in=customer_ids, channel_account_id=account.pk, status__in=Conversation.OPEN_STATUSES
    ).order_by("last_message_at"):
        open_by_customer[existing.customer_id] = existing  # the newest wins
    hint_ids = {i.conversation_hint_id for i in fresh if i.conversation_hint_id is not None}
    hinted = (
        {c.pk: c for c in Conversation.objects.filter(pk__in=hint_ids, status__in=HINTABLE_STATUSES)}
        if hint_ids
        else {}
    )
    return _Known(identities=identities, parents=parents, open_by_customer=open_by_customer, hinted=hinted)


def _thread_in_memory(
    account: ChannelAccountRef, fresh: list[NormalizedMessage], known: _Known
) -> tuple[list[_Planned], list[Conversation]]:
    """Decide each message's conversation (`inbound_rules.choose_conversation`); a message may thread
    under one earlier in the same batch. New conversations are made here (unsaved) with their counts."""
    planned: list[_Planned] = []
    new_conversations: list[Conversation] = []
    by_external_in_batch: dict[str, Conversation] = {}
    for item in fresh:
        identity = known.identities[
            (item.author.kind, normalize_handle(item.author.kind, item.author.handle))
        ]
        parent: Message | None = None
        in_batch_parent: str | None = None
        parent_conversation: Conversation | None = None
        for ref in thread_references(item):
            if ref in known.parents:
                parent = known.parents[ref]
                parent_conversation = parent.conversation
                break
            if ref in by_external_in_batch:
                in_batch_parent = ref
                parent_conversation = by_external_in_batch[ref]
                break
        hint_id = item.conversation_hint_id
        conversation = choose_conversation(
            parent_conversation=parent_conversation,
            customer_id=identity.customer_id,
            hinted=lambda hint_id=hint_id: known.hinted.get(hint_id) if hint_id is not None else None,  # type: ignore[misc]
            open_conversation=lambda identity=identity: known.open_by_customer.get(identity.customer_id),  # type: ignore[misc]
        )
        if conversation is None:
            conversation = new_conversation(account, identity.customer_id, item)
            new_conversations.append(conversation)
            known.open_by_customer[identity.customer_id] = conversation
        if conversation.pk is None:  # new: count its messages before inserting it
            conversation.message_count += 1
            conversation.last_message_at = max(conversation.last_message_at, item.created_at)
        by_external_in_batch[item.external_id] = conversation
        planned.append(_Planned(item, identity, conversation, parent, in_batch_parent))
    return planned, new_conversations


def _create_conversations(account: ChannelAccountRef, conversations: list[Conversation]) -> None:
    """Insert the new conversations with their SLA clocks started (decision 0251; one policy lookup)."""
    if conversations:
        calendar = sla.calendar_for(account.workspace)
        targets = sla.targets_for(account.workspace_id, account.kind, Conversation.Priority.NORMAL)
        for conversation in conversations:
            for name, value in sla.clock_fields(calendar, targets, conversation.created_at).items():
                setattr(conversation, name, value)
    insert_objects(conversations)


def _insert_messages(
    account: ChannelAccountRef, planned: list[_Planned], *, received_at: dt.datetime
) -> None:
    """Insert the messages in one bulk insert, then link replies to parents in the same batch and store
    attachments."""
    for plan in planned:
        plan.message = inbound_message(
            account, plan.conversation, plan.identity, plan.parent, plan.item, received_at=received_at
        )
    messages = [plan.message for plan in planned if plan.message is not None]
    insert_objects(messages)
    by_external = {m.external_id: m for m in messages}
    relinked = []
    for plan in planned:
        if plan.in_batch_parent is not None and plan.message is not None:
            plan.message.reply_to = by_external[plan.in_batch_parent]
            relinked.append(plan.message)
    if relinked:
        Message.objects.bulk_update(relinked, ["reply_to"])
    for plan in planned:
        if plan.item.attachments and plan.message is not None:
            store_attachments(plan.message, plan.item.attachments)


def _count_on_conversations(
    account: ChannelAccountRef, planned: list[_Planned], new_ids: set[int]
) -> dict[int, _Touch]:
    """One counter update for all touched existing conversations (reopening solved and pending ones), SLA
    clocks of reopened or resumed ones, and the timeline entries: created, reopened, participant."""
    touched: dict[int, _Touch] = {}
    for plan in planned:
        conversation, message = plan.conversation, plan.message
        assert message is not None
        touch = touched.get(conversation.pk)
        if touch is None:
            created = conversation.pk in new_ids
            touch = touched[conversation.pk] = _Touch(
                conversation=conversation,
                created=created,
                reopen=reopens(conversation, created=created),
                first_message=message,
            )
        touch.count += 1
        if touch.newest is None or plan.item.created_at > touch.newest:  # type: ignore[operator]
            touch.newest = plan.item.created_at
        touch.message_ids.append(message.pk)
    timeline: list[TimelineEntry] = []
    counter_updates: list[tuple[int, Any, int]] = []
    for touch in touched.values():
        first_id = touch.first_message.pk  # type: ignore[union-attr]
        if touch.created:
            timeline.append(
                TimelineEntry(conversation=touch.conversation, kind="created", data={"message_id": first_id})
            )
            continue
        counter_updates.append((touch.count, touch.newest, touch.conversation.pk))
        if touch.reopen:
            timeline.append(
                TimelineEntry(conversation=touch.conversation, kind="reopened", data={"message_id": first_id})
            )
    counter_updates.sort(key=lambda row: row[2])  # one lock order for every worker: no deadlocks
    _bump_conversations(counter_updates)
    for touch in touched.values():  # rare: a reopened conversation or one waiting on the customer
        if touch.created:
            continue
        fields = inbound_sla_fields(account, touch.conversation, created=False, reopened=touch.reopen)
        if fields:
            Conversation.objects.filter(pk=touch.conversation.pk).update(**fields)
    timeline.extend(
        TimelineEntry(
            conversation_id=plan.conversation.pk,
            kind="participant",
            data={"message_id": plan.message.pk, "identity_id": plan.identity.pk},  # type: ignore[union-attr]
        )
        for plan in planned
        if is_participant(plan.identity, plan.conversation)
    )
    insert_objects(timeline)
    return touched


def _in_order(
    items: Sequence[NormalizedMessage], planned: list[_Planned], touched: dict[int, _Touch]
) -> list[StoredMessage | None]:
    """One result per item, in the items' order: None for a message stored before (or twice in the batch)."""
    results: dict[str, StoredMessage] = {}
    for plan in planned:
        touch = touched[plan.conversation.pk]
        results[plan.item.external_id] = StoredMessage(
            message=plan.message,  # type: ignore[arg-type]
            conversation_created=touch.created and touch.first_message is plan.message,
            conversation_reopened=touch.reopen and touch.first_message is plan.message,
        )
    out: list[StoredMessage | None] = []
    seen: set[str] = set()
    for item in items:
        stored = results.get(item.external_id)
        if stored is None or item.external_id in seen:
            out.append(None)
        else:
            seen.add(item.external_id)
            out.append(stored)
    return out


def _bump_conversations(rows: list[tuple[int, Any, int]]) -> None:
    """Count new messages on existing conversations and reopen solved/pending ones: one UPDATE … FROM a
    VALUES list for all rows (rows are (count, newest created_at, conversation id), sorted by id).
    Relative updates in SQL, so concurrent workers never lose a count. On PostgreSQL the rows are locked
    first, in id order, so two workers touching the same conversations queue instead of deadlocking."""
    if not rows:
        return
    table = connection.ops.quote_name(Conversation._meta.db_table)
    ids = [conversation_id for _, _, conversation_id in rows]
    if connection.vendor == "postgresql":
        newest, stamp, params = "GREATEST", "CAST(%s AS timestamptz)", [v for row in rows for v in row]
    else:
        adapt = connection.ops.adapt_datetimefield_value
        newest, stamp, params = "MAX", "%s", [v for n, at, pk in rows for v in (n, adapt(at), pk)]
    values = ", ".join([f"(%s, {stamp}, %s)"] * len(rows))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT id FROM {table} WHERE id IN ({placeholders}) ORDER BY id FOR UPDATE",  # noqa: S608
                ids,
            )
        cursor.execute(
            f"WITH bump(n, newest, id) AS (VALUES {values}) "  # noqa: S608 (names from model meta)
            f"UPDATE {table} SET message_count = {table}.message_count + bump.n, "
            f"last_message_at = {newest}({table}.last_message_at, bump.newest), "
            f"status = CASE WHEN {table}.status IN ('pending', 'solved') THEN 'open' ELSE {table}.status END "
            f"FROM bump WHERE {table}.id = bump.id",
            params,
        )


__all__ = ["store_inbound_batch"]
