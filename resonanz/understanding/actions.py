"""Writes of the understanding layer: annotations (upserted), topics, corrections, installed models."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from resonanz.conversations.models import Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.understanding.classifier import TextClassifier
from resonanz.understanding.engine import Result
from resonanz.understanding.models import Annotation, Correction, Topic, WorkspaceModel
from resonanz.understanding.topics import DEFAULT_TAXONOMY, NO_TOPIC
from resonanz.workspaces.models import Agent, Workspace

logger = logging.getLogger("resonanz.understanding")

CORRECTION_VERSION = "agent"
# Which labels an agent may set, per annotator (topic: the workspace's slugs, checked separately).
CORRECTABLE: dict[str, tuple[str, ...]] = {
    "relevance": ("true", "false"),
    "sentiment": ("negative", "neutral", "positive"),
    "urgency": ("low", "normal", "high", "urgent"),
    "sensitivity": ("public", "private"),
    "topic": (),
}


def do_store_annotations(results: dict[int, list[Result]], languages: dict[int, str]) -> int:
    """Upsert on (message, annotator, version): running twice writes the same rows, a new model version
    adds rows (a backfill) and leaves the old ones for comparison. Sets Message.language too.

    One INSERT … ON CONFLICT DO UPDATE per 500 rows (SQLite and PostgreSQL): building thousands of model
    instances for bulk_create cost more than all the annotators together."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            message_id,
            r.annotator,
            r.version[:40],
            r.label[:80],
            r.score,
            json.dumps(r.data, ensure_ascii=False),
            now,
        )
        for message_id, items in results.items()
        for r in items
    ]
    table = connection.ops.quote_name(Annotation._meta.db_table)
    by_language: dict[str, list[int]] = {}
    for message_id, code in languages.items():
        by_language.setdefault(code[:8], []).append(message_id)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (message_id, annotator, version, label, score, data, created_at) "  # noqa: S608
                f"VALUES {placeholders} ON CONFLICT (message_id, annotator, version) DO UPDATE SET "
                "label = excluded.label, score = excluded.score, data = excluded.data",
                [value for row in chunk for value in row],
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
        raise InvalidInput("a topic needs a name of 1 to 120 characters")
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
) -> Topic:
    name, phrases = check_topic_fields(name, example_phrases)
    slug = slugify(slug or name)[:60]
    if not slug or slug == NO_TOPIC:
        raise InvalidInput(f"a topic's slug must not be empty or {NO_TOPIC!r}")
    topic, _ = Topic.objects.update_or_create(
        workspace=workspace,
        slug=slug,
        defaults={
            "name": name,
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
        raise InvalidInput("message not in the agent's workspace")
    if annotator not in CORRECTABLE:
        raise InvalidInput(f"annotator {annotator!r} cannot be corrected")
    label = label.strip()
    if annotator == "topic":
        if not Topic.objects.filter(workspace_id=message.workspace_id, slug=label, is_active=True).exists():
            raise InvalidInput(f"no topic {label!r} in this workspace")
    elif label not in CORRECTABLE[annotator]:
        raise InvalidInput(f"{annotator} must be one of {', '.join(CORRECTABLE[annotator])}")
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
    return correction


def do_install_model(workspace: Workspace, task: str, path: Path, model: TextClassifier) -> WorkspaceModel:
    if task not in ("relevance", "sentiment", "topic"):
        raise InvalidInput(f"no task {task!r}")
    installed, _ = WorkspaceModel.objects.update_or_create(
        workspace=workspace,
        task=task,
        defaults={"path": str(path), "version": model.version, "trained_on": model.trained_on},
    )
    return installed
