"""REST endpoints of the understanding layer: a message's labels, an agent's correction, the topics."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from resonanz.understanding.access import access_message_by_id, annotations_for, topics_for
from resonanz.understanding.actions import do_correct_annotation
from resonanz.workspaces.auth import agent_of, auth


class AnnotationOut(Schema):
    label: str
    score: float | None
    version: str
    data: dict[str, Any]


class CorrectionIn(Schema):
    label: str


class TopicOut(Schema):
    slug: str
    name: str
    description: str
    example_phrases: list[str]
    is_private: bool
    skill_hint: str


class ErrorDetail(Schema):
    detail: str


router = Router(tags=["understanding"], auth=auth)


def _annotations(message_id: int) -> dict[str, AnnotationOut]:
    return {
        annotator: AnnotationOut(label=row.label, score=row.score, version=row.version, data=row.data)
        for annotator, row in annotations_for(message_id).items()
    }


@router.get("/messages/{message_id}/annotations", response={200: dict[str, AnnotationOut], 404: ErrorDetail})
def get_annotations(request: HttpRequest, message_id: int) -> dict[str, AnnotationOut]:
    message = access_message_by_id(agent_of(request), message_id)
    return _annotations(message.pk)


@router.post(
    "/messages/{message_id}/annotations/{annotator}",
    response={200: dict[str, AnnotationOut], 400: ErrorDetail, 404: ErrorDetail},
    summary="Correct one label of a message (becomes a training example)",
)
def correct_annotation(
    request: HttpRequest, message_id: int, annotator: str, body: CorrectionIn
) -> dict[str, AnnotationOut]:
    agent = agent_of(request)
    message = access_message_by_id(agent, message_id)
    do_correct_annotation(agent, message, annotator, body.label)
    return _annotations(message.pk)


@router.get("/topics", response=list[TopicOut])
def list_topics(request: HttpRequest) -> list[TopicOut]:
    return [
        TopicOut(
            slug=t.slug,
            name=t.name,
            description=t.description,
            example_phrases=[str(p) for p in t.example_phrases],
            is_private=t.is_private,
            skill_hint=t.skill_hint,
        )
        for t in topics_for(agent_of(request))
    ]
