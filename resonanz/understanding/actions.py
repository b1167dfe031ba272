"""Writes of the understanding layer: annotations (upserted), topics, corrections, installed models."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.queue import enqueue
from resonanz.understanding.annotators import correctable
from resonanz.understanding.classifier import TextClassifier
from resonanz.understanding.engine import Result
from resonanz.understanding.models import Annotation, Correction, Topic, WorkspaceModel
from resonanz.understanding.topics import DEFAULT_TAXONOMY, NO_TOPIC
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.understanding")

CORRECTION_VERSION = "agent"
_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(…, ensure_ascii=False) does, built once
# Which labels an agent may set, per annotator (topic: the workspace's slugs, checked separately).
# Declared by each annotator (`correctable`, `outputs`) in the registry.
CORRECTABLE: dict[str, tuple[str, ...]] = correctable()


# PostgreSQL takes the annotation rows as one JSON document (decision 0882); a batch with a score JSON cannot
# carry (NaN, infinity) as seven arrays, one parameter per column (decision 0880).
_STRICT_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_JSON_ROWS = (
    "SELECT (r->>0)::bigint, r->>1, r->>2, r->>3, (r->>4)::double precision, (r->>5)::jsonb, %s::timestamptz "
    "FROM json_array_elements(%s::json) AS r"
)
_UNNEST_ROWS = (
    "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[], "
    "%s::double precision[], %s::jsonb[], %s::timestamptz[])"
)


def do_store_annotations(results: dict[int, list[Result]], languages: dict[int, str]) -> int:
    """Upsert on (message, annotator, version): running twice writes the same rows, a new model version
    adds rows (a backfill) and leaves the old ones for comparison. Sets Message.language too.

    One INSERT … ON CONFLICT DO UPDATE per 500 rows on SQLite, per 2,000 rows as one JSON document on
    PostgreSQL (decisions 0880, 0882): building thousands of model instances for bulk_create cost more than
    all the annotators together."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    encode = _JSON.encode
    rows = [
        (
            message_id,
            r.annotator,
            r.version[:40],
            r.label[:80],
            r.score,
            encode(r.data) if r.data else "{}",
            now,
        )
        for message_id, items in results.items()
        for r in items
    ]
    table = connection.ops.quote_name(Annotation._meta.db_table)
    by_language: dict[str, list[int]] = {}
    for message_id, code in languages.items():
        by_language.setdefault(code[:8], []).append(message_id)
    head = f"INSERT INTO {table} (message_id, annotator, version, label, score, data, created_at) "
    tail = (
        " ON CONFLICT (message_id, annotator, version) DO UPDATE SET "
        "label = excluded.label, score = excluded.score, data = excluded.data"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Never one placeholder per value: psycopg parses a long statement's placeholders in Python on
            # every call (decision 0880), and quotes each array element in Python where json encodes the
            # whole batch in C (decision 0882).
            for start in range(0, len(rows), 2000):
                chunk = rows[start : start + 2000]
                try:
                    document = _STRICT_JSON.encode([row[:6] for row in chunk])
                except ValueError:  # NaN or infinity, which JSON cannot carry
                    columns = [list(column) for column in zip(*chunk, strict=True)]
                    cursor.execute(head + _UNNEST_ROWS + tail, columns)
                else:
                    cursor.execute(head + _JSON_ROWS + tail, [now, document])
        else:
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    head + f"VALUES {placeholders}" + tail, [value for row in chunk for value in row]
                )
        for code, ids in by_language.items():
            Message.objects.filter(id__in=ids).exclude(language=code).update(language=code)
    return len(rows)


def do_ensure_default_topics(workspace: Workspace) -> list[Topic]:
    """Create the default German taxonomy; topics that exist (also edited ones) are left alone."""
    existing = set(Topic.objects.filter(workspace=workspace).values_list("slug", flat=True))
    Topic.objects.bulk_create(
        [
            Topic(
                workspace=workspace,
                slug=spec["slug"],
                name=spec["name"],
                name_en=spec.get("name_en", ""),
                is_failure_demand=bool(spec.get("is_failure_demand", False)),
                description=spec["description"],
                example_phrases=list(spec["example_phrases"]),
                is_private=bool(spec.get("is_private", False)),
                skill_hint=spec.get("skill_hint", ""),
            )
            for spec in DEFAULT_TAXONOMY
            if spec["slug"] not in existing
        ],
        ignore_conflicts=True,
    )
    return list(Topic.objects.filter(workspace=workspace).order_by("id"))


def check_topic_fields(name: str, example_phrases: Iterable[str]) -> tuple[str, list[str]]:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput(gettext("Ein Thema braucht einen Namen mit 1 bis 120 Zeichen"))
    phrases = [p.strip()[:300] for p in example_phrases if p and p.strip()]
    return name, phrases[:200]


def do_save_topic(
    workspace: Workspace,
    *,
    name: str,
    slug: str = "",
    description: str = "",
    example_phrases: Sequence[str] = (),
    is_private: bool = False,
    skill_hint: str = "",
    name_en: str = "",
    is_failure_demand: bool = False,
) -> Topic:
    name, phrases = check_topic_fields(name, example_phrases)
    name_en = name_en.strip()
    if len(name_en) > 120:
        raise InvalidInput(gettext("Der englische Name eines Themas hat höchstens 120 Zeichen"))
    slug = slugify(slug or name)[:60]
    if not slug or slug == NO_TOPIC:
        raise InvalidInput(
            gettext("Das Kürzel eines Themas darf weder leer noch „%(no_topic)s“ sein")
            % {"no_topic": NO_TOPIC}
        )
    topic, _ = Topic.objects.update_or_create(
        workspace=workspace,
        slug=slug,
        defaults={
            "name": name,
            "name_en": name_en,
            "is_failure_demand": is_failure_demand,
            "description": description.strip()[:2000],
            "example_phrases": phrases,
            "is_private": is_private,
            "skill_hint": slugify(skill_hint)[:80],
            "is_active": True,
        },
    )
    return topic


def do_correct_annotation(agent: Agent, message: Message, annotator: str, label: str) -> Correction:
    """An agent sets the right label. It wins over the models at once (labels_for prefers it) and is a
    training example from now on; a topic correction also teaches the topic similarity immediately."""
    if message.workspace_id != agent.workspace_id:
        raise InvalidInput(gettext("Die Nachricht ist nicht im Arbeitsbereich der Servicekraft"))
    if annotator not in CORRECTABLE:
        raise InvalidInput(
            gettext("Das Merkmal „%(annotator)s“ lässt sich nicht korrigieren") % {"annotator": annotator}
        )
    label = label.strip()
    if annotator == "topic":
        if not Topic.objects.filter(workspace_id=message.workspace_id, slug=label, is_active=True).exists():
            raise InvalidInput(gettext("Kein Thema „%(label)s“ in diesem Arbeitsbereich") % {"label": label})
    elif label not in CORRECTABLE[annotator]:
        raise InvalidInput(
            gettext("%(annotator)s: erlaubt sind %(labels)s")
            % {"annotator": annotator, "labels": ", ".join(CORRECTABLE[annotator])}
        )
    with transaction.atomic():
        previous = (
            Annotation.objects.filter(message=message, annotator=annotator)
            .exclude(version=CORRECTION_VERSION)
            .order_by("-id")
            .values_list("label", flat=True)
            .first()
        ) or ""
        correction, _ = Correction.objects.update_or_create(
            message=message,
            annotator=annotator,
            defaults={
                "workspace_id": message.workspace_id,
                "label": label,
                "previous_label": previous,
                "agent": agent,
            },
        )
        Annotation.objects.update_or_create(
            message=message,
            annotator=annotator,
            version=CORRECTION_VERSION,
            defaults={"label": label, "score": 1.0, "data": {"agent": agent.pk, "previous": previous}},
        )
        TimelineEntry.objects.create(
            conversation_id=message.conversation_id,
            actor=agent,
            kind="annotation.corrected",
            data={"message": message.pk, "annotator": annotator, "label": label, "previous": previous},
        )
    logger.info(
        "understanding.correction",
        extra={"message_id": message.pk, "annotator": annotator, "label": label, "previous": previous},
    )
    if annotator == "relevance":
        changed = do_mark_noise({message.pk: label == "false"})
        if changed and label == "true":
            # Back from the noise view: routed like any new conversation (routing sits above understanding:
            # asked by task name, after this correction commits).
            enqueue("routing.route_conversation", message.conversation_id, "relevance")
    return correction


# Relevance versions that are not a judgement: a direct message (always about us), no model installed.
NOT_JUDGED = ("direct-1", "none-1")


def noise_decisions(results: dict[int, list[Result]]) -> dict[int, bool]:
    """Message id → is noise, for messages a relevance model judged (without a model nothing is hidden)."""
    out: dict[int, bool] = {}
    for message_id, items in results.items():
        for result in items:
            if result.annotator == "relevance" and result.version not in NOT_JUDGED:
                out[message_id] = result.label == "false"
    return out


def do_mark_noise(noise_by_message: dict[int, bool]) -> set[int]:
    """A conversation is noise when its newest judged message is: noise conversations leave their owner
    (they count toward no agent's load) and are not routed. Returns the conversations that changed."""
    if not noise_by_message:
        return set()
    newest: dict[int, tuple[int, bool]] = {}
    for message_id, conversation_id in Message.objects.filter(
        id__in=list(noise_by_message), direction=Message.Direction.INBOUND
    ).values_list("id", "conversation_id"):
        if conversation_id not in newest or newest[conversation_id][0] < message_id:
            newest[conversation_id] = (message_id, noise_by_message[message_id])
    noisy = [c for c, (_, noise) in newest.items() if noise]
    relevant = [c for c, (_, noise) in newest.items() if not noise]
    changed = set(Conversation.objects.filter(id__in=noisy, is_noise=False).values_list("id", flat=True))
    changed |= set(Conversation.objects.filter(id__in=relevant, is_noise=True).values_list("id", flat=True))
    if noisy:
        Conversation.objects.filter(id__in=noisy).exclude(is_noise=True, owner=None).update(
            is_noise=True, owner=None
        )
    if relevant:
        Conversation.objects.filter(id__in=relevant, is_noise=True).update(is_noise=False)
    return changed


def do_install_model(workspace: Workspace, task: str, path: Path, model: TextClassifier) -> WorkspaceModel:
    if task not in ("relevance", "sentiment", "topic"):
        raise InvalidInput(gettext("Keine Aufgabe „%(task)s“") % {"task": task})
    installed, _ = WorkspaceModel.objects.update_or_create(
        workspace=workspace,
        task=task,
        defaults={"path": str(path), "version": model.version, "trained_on": model.trained_on},
    )
    return installed


def do_train_relevance(workspace: Workspace) -> dict[str, object]:
    """Train the workspace's relevance model on its corrections, measure it on a held-out quarter against
    "no model" (everything relevant), and install it only if it is at least as good. The measurement is
    kept in `workspace.settings["understanding"]["relevance_training"]` (shown in the noise view) and, when
    installed, in the model's `trained_on["held_out"]`."""
    from django.conf import settings

    from resonanz.understanding import classifier, quality
    from resonanz.understanding.datasets import corrections, label_counts, listening_terms

    examples = corrections(workspace.slug, "relevance")
    options = classifier.Options.for_task("relevance")
    options.context_terms = listening_terms([], workspace.slug)
    comparison = quality.compare("relevance", [], examples, options)
    record: dict[str, object] = {
        "corrections": len(examples),
        "at": timezone.now().isoformat(),
        "held_out": comparison.to_json() if comparison else None,
        "installed": False,
    }
    if comparison is not None and comparison.better:
        model = classifier.train(
            "relevance",
            examples,
            options,
            trained_on={
                "files": [f"corrections:{workspace.slug}"],
                "documents": len(examples),
                "corrections": len(examples),
                "labels": label_counts(examples),
                "held_out": comparison.to_json(),
            },
        )
        path = Path(settings.DATA_DIR) / "models" / str(workspace.pk) / f"relevance-{model.version}.npz"
        model.save(path)
        do_install_model(workspace, "relevance", path, model)
        record["installed"] = True
        record["version"] = model.version
    with transaction.atomic():
        locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
        understanding = dict(locked.settings.get("understanding") or {})
        understanding["relevance_training"] = record
        locked.settings = {**locked.settings, "understanding": understanding}
        locked.save(update_fields=["settings"])
    logger.info(
        "understanding.relevance_trained",
        extra={"workspace": workspace.pk, "installed": record["installed"], "corrections": len(examples)},
    )
    return record
