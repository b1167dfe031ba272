"""Factories for routing tests (teams, skills, rules, annotations)."""

from __future__ import annotations

import factory

from resonanz.routing.models import RoutingRule
from resonanz.testing.factories import WorkspaceFactory
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Skill, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("workspace", "slug")

    workspace = factory.SubFactory(WorkspaceFactory)
    name = "Technik"
    slug = factory.LazyAttribute(lambda o: o.name.lower())


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("workspace", "slug")

    workspace = factory.SubFactory(WorkspaceFactory)
    name = "Störungen"
    slug = factory.LazyAttribute(lambda o: o.name.lower())


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    """A rule row only; tests that need it in force call do_save_routing_rule (which versions it)."""

    class Meta:
        model = RoutingRule

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Regel {n}")
    position = factory.Sequence(lambda n: n)


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation

    annotator = "topic"
    version = "test-1"
    label = "outage"


def annotate(message, **labels: str) -> None:
    for annotator, label in labels.items():
        AnnotationFactory(message=message, annotator=annotator, label=label)
