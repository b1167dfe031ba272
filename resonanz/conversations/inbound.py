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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from resonanz.conversations import sla
from resonanz.conversations.accounts import ChannelAccountRef
from resonanz.conversations.actions import (
    StoredMessage,
    inbound_sla_fields,
    store_attachments,
)
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.core.text import clean_text, one_line
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
    for item in items:
        key = (item.author.kind, normalize_handle(item.author.kind, item.author.handle))
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
        Customer.objects.bulk_create(customers)
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


def store_inbound_batch(
    account: ChannelAccountRef, items: Sequence[NormalizedMessage]
) -> list[StoredMessage | None]:
    """Store messages of one channel account in order; None for a message already stored."""
    if not items:
        return []
    now = timezone.now()
    known = set(
        Message.objects.filter(
            channel_account_id=account.pk, external_id__in=[i.external_id for i in items]
        ).values_list("external_id", flat=True)
    )
    fresh: list[NormalizedMessage] = []
    for item in items:
        if item.external_id not in known:
            known.add(item.external_id)  # the same message twice in one batch is stored once
            fresh.append(item)
    results: dict[str, StoredMessage] = {}
    if not fresh:
        return [None] * len(items)

    identities = _resolve_identities(account.workspace_id, fresh)
    parent_ids = {x for item in fresh for x in (item.reply_to_external_id, *item.thread_external_ids) if x}
    parents = {
        m.external_id: m
        for m in Message.objects.filter(
            channel_account_id=account.pk, external_id__in=parent_ids
        ).select_related("conversation")
    }
    customer_ids = {identity.customer_id for identity in identities.values()}
    open_by_customer: dict[int, Conversation] = {}
    for existing in Conversation.objects.filter(
        customer_id__in=customer_ids, channel_account_id=account.pk, status__in=Conversation.OPEN_STATUSES
    ).order_by("last_message_at"):
        open_by_customer[existing.customer_id] = existing  # the newest wins
    hint_ids = {i.conversation_hint_id for i in fresh if i.conversation_hint_id is not None}
    hinted = (
        {
            c.pk: c
            for c in Conversation.objects.filter(
                pk__in=hint_ids, status__in=(*Conversation.OPEN_STATUSES, Conversation.Status.SOLVED)
            )
        }
        if hint_ids
        else {}
    )

    # Pass 1: decide each message's conversation in memory (new conversations are created in bulk).
    planned: list[tuple[NormalizedMessage, Identity, Conversation, Message | None, str | None]] = []
    new_conversations: list[Conversation] = []
    by_external_in_batch: dict[str, Conversation] = {}
    for item in fresh:
        identity = identities[(item.author.kind, normalize_handle(item.author.kind, item.author.handle))]
        parent = None
        in_batch_parent: str | None = None
        conversation: Conversation | None = None
        for external_id in (item.reply_to_external_id, *item.thread_external_ids):
            if not external_id:
                continue
            if external_id in parents:
                parent = parents[external_id]
                if parent.conversation.status != Conversation.Status.CLOSED:
                    conversation = parent.conversation
                break
            if external_id in by_external_in_batch:
                in_batch_parent = external_id
                conversation = by_external_in_batch[external_id]
                break
        if conversation is None and item.conversation_hint_id in hinted:
            candidate = hinted[item.conversation_hint_id]
            if candidate.customer_id == identity.customer_id:
                conversation = candidate
        if conversation is None:
            conversation = open_by_customer.get(identity.customer_id)
        if conversation is None:
            conversation = Conversation(
                workspace_id=account.workspace_id,
                customer_id=identity.customer_id,
                channel_account_id=account.pk,
                subject=one_line(item.subject or item.text, 120),
                is_public=item.is_public,
                created_at=item.created_at,
                last_message_at=item.created_at,
            )
            new_conversations.append(conversation)
            open_by_customer[identity.customer_id] = conversation
        by_external_in_batch[item.external_id] = conversation
        planned.append((item, identity, conversation, parent, in_batch_parent))
    for _, _, conversation, _, _ in planned:
        if conversation.pk is None:  # new: count its messages before inserting it
            conversation.message_count += 1
    for item, _, conversation, _, _ in planned:
        if conversation.pk is None and item.created_at > conversation.last_message_at:
            conversation.last_message_at = item.created_at
    if new_conversations:  # SLA clocks start with the conversation (decision 0251); one policy lookup
        calendar = sla.calendar_for(account.workspace)
        targets = sla.targets_for(account.workspace_id, account.kind, Conversation.Priority.NORMAL)
        for conversation in new_conversations:
            for name, value in sla.clock_fields(calendar, targets, conversation.created_at).items():
                setattr(conversation, name, value)
    Conversation.objects.bulk_create(new_conversations)
    new_ids = {c.pk for c in new_conversations}

    # Pass 2: insert the messages, then link in-batch replies to their parents.
    after_ingest = bool(settings.AFTER_INGEST_STEPS)
    messages: list[Message] = []
    participants: list[tuple[Message, Identity]] = []
    for item, identity, conversation, parent, _ in planned:
        text, truncated = clean_text(item.text)
        extra = dict(item.extra)
        if truncated:
            extra["truncated"] = True
        if identity.customer_id != conversation.customer_id:  # see do_store_inbound_message
            extra["participant"] = True
        messages.append(
            Message(
                workspace_id=account.workspace_id,
                conversation=conversation,
                channel_account_id=account.pk,
                direction=Message.Direction.INBOUND,
                visibility=Message.Visibility.PUBLIC if item.is_public else Message.Visibility.PRIVATE,
                author_identity=identity,
                reply_to=parent,
                external_id=item.external_id,
                text=text,
                url=item.url[:500],
                extra=extra,
                created_at=item.created_at,
                received_at=now,
                after_ingest_pending=after_ingest,
            )
        )
    Message.objects.bulk_create(messages)
    for message, (_, identity, _, _, _) in zip(messages, planned, strict=True):
        if message.extra.get("participant"):
            participants.append((message, identity))
    by_external = {m.external_id: m for m in messages}
    relinked = []
    for message, (_, _, _, _, in_batch_parent) in zip(messages, planned, strict=True):
        if in_batch_parent is not None:
            message.reply_to = by_external[in_batch_parent]
            relinked.append(message)
    if relinked:
        Message.objects.bulk_update(relinked, ["reply_to"])
    for message, (item, _, _, _, _) in zip(messages, planned, strict=True):
        if item.attachments:
            store_attachments(message, item.attachments)

    # Pass 3: one counter update per touched conversation, timeline entries for created/reopened ones.
    touched: dict[int, _Touch] = {}
    for message, (item, _, conversation, _, _) in zip(messages, planned, strict=True):
        touch = touched.get(conversation.pk)
        if touch is None:
            touch = touched[conversation.pk] = _Touch(
                conversation=conversation,
                created=conversation.pk in new_ids,
                reopen=conversation.status == Conversation.Status.SOLVED and conversation.pk not in new_ids,
                first_message=message,
            )
        touch.count += 1
        if touch.newest is None or item.created_at > touch.newest:  # type: ignore[operator]
            touch.newest = item.created_at
        touch.message_ids.append(message.pk)
    timeline: list[TimelineEntry] = []
    counter_updates: list[tuple[int, Any, int]] = []
    for touch in touched.values():
        conversation = touch.conversation
        first_id = touch.first_message.pk  # type: ignore[union-attr]
        if touch.created:
            timeline.append(
                TimelineEntry(conversation=conversation, kind="created", data={"message_id": first_id})
            )
            continue
        counter_updates.append((touch.count, touch.newest, conversation.pk))
        if touch.reopen:
            timeline.append(
                TimelineEntry(conversation=conversation, kind="reopened", data={"message_id": first_id})
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
            conversation_id=message.conversation_id,
            kind="participant",
            data={"message_id": message.pk, "identity_id": identity.pk},
        )
        for message, identity in participants
    )
    TimelineEntry.objects.bulk_create(timeline)

    for message, (_, _, conversation, _, _) in zip(messages, planned, strict=True):
        touch = touched[conversation.pk]
        results[message.external_id] = StoredMessage(
            message=message,
            conversation_created=touch.created and touch.first_message is message,
            conversation_reopened=touch.reopen and touch.first_message is message,
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
