"""Template helpers of the agent workspace pages (annotations, notifications)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

from resonanz.web.templatetags.resonanz_web import topic_name

register = template.Library()

_ANNOTATION_NAMES = {
    "language": gettext_lazy("Sprache"),
    "sentiment": gettext_lazy("Stimmung"),
    "topic": gettext_lazy("Thema"),
    "urgency": gettext_lazy("Dringlichkeit"),
    "sensitivity": gettext_lazy("Vertraulichkeit"),
    "region": gettext_lazy("Region"),
    "relevance": gettext_lazy("Relevanz"),
}
_ANNOTATION_VALUES = {
    "sentiment": {
        "negative": gettext_lazy("negativ"),
        "neutral": gettext_lazy("neutral"),
        "positive": gettext_lazy("positiv"),
        "mixed": gettext_lazy("gemischt"),
    },
    "urgency": {
        "low": gettext_lazy("nicht eilig"),
        "normal": gettext_lazy("normal eilig"),
        "high": gettext_lazy("eilig"),
        "urgent": gettext_lazy("sehr eilig"),
    },
    "sensitivity": {"public": gettext_lazy("unbedenklich"), "private": gettext_lazy("vertraulich")},
    "relevance": {"true": gettext_lazy("relevant"), "false": gettext_lazy("nicht relevant")},
    "topic": {"other": gettext_lazy("kein Thema")},  # understanding.topics.NO_TOPIC
}


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def annotation_name(name: str) -> str:
    return str(_ANNOTATION_NAMES.get(name, name))


@register.filter
def annotation_value(value: str, name: str) -> str:
    if name == "language":
        return value.upper()
    return str(_ANNOTATION_VALUES.get(name, {}).get(value, value))


@register.simple_tag
def annotation_text(name: str, value: str, topic_names: dict[str, str] | None = None) -> str:
    """`annotation_value`, with a topic's name (in the UI language) instead of its slug."""
    if name == "topic" and topic_names and value in topic_names:
        return topic_names[value]
    return annotation_value(value, name)


def topic_names(topics: Any) -> dict[str, str]:
    """Slug → name in the UI language (`topic_name`), for the topics a page already loaded."""
    names = {slug: str(label) for slug, label in _ANNOTATION_VALUES["topic"].items()}
    return names | {topic.slug: topic_name(topic) for topic in topics}
