"""Settings → Themen, Textbausteine, SLAs: the topic taxonomy, macros (leads and admins) and SLA policies."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resonanz.channels.registry import all_channels
from resonanz.conversations.models import Conversation, Macro, SlaPolicy
from resonanz.conversations.settings_actions import (
    do_add_macro,
    do_delete_macro,
    do_delete_sla_policy,
    do_save_sla_policy,
    do_update_macro,
)
from resonanz.conversations.sla import DEFAULT_TARGETS
from resonanz.core.errors import ResonanzError
from resonanz.understanding.actions import do_save_topic
from resonanz.understanding.models import Topic
from resonanz.web.forms import MacroForm, SlaForm, TopicForm, as_strings, read
from resonanz.web.permissions import requires
from resonanz.workspaces.actions import audit
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm


def _agent(request: HttpRequest) -> Agent:
    agent = request.agent  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


def _render(
    request: HttpRequest, template: str, section: str, status: int = 200, **extra: Any
) -> HttpResponse:
    agent = _agent(request)
    context = {"agent": agent, "is_admin": has_perm(agent, "settings.manage"), "section": section, **extra}
    return render(request, template, context, status=status)


# --- Topics ---------------------------------------------------------------------------------------------
@requires("settings.manage")
def topics(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    editing = None
    if request.GET.get("edit"):
        editing = Topic.objects.filter(workspace=agent.workspace_id, slug=request.GET["edit"]).first()
        if editing is None:
            raise Http404("topic not found")
    if request.method == "POST":
        posted = read(TopicForm, request.POST)
        try:
            with transaction.atomic():
                topic = do_save_topic(
                    agent.workspace,
                    name=posted["name"],
                    slug=posted["slug"],
                    description=posted["description"],
                    example_phrases=posted["example_phrases"].splitlines(),
                    is_private=posted["is_private"] == "on",
                    skill_hint=posted["skill_hint"],
                    name_en=posted["name_en"],
                    is_failure_demand=posted["is_failure_demand"] == "on",
                )
                audit(
                    agent.workspace_id,
                    agent,
                    "topic.saved",
                    "topic",
                    topic.pk,
                    {"slug": topic.slug, "name": topic.name},
                )
        except ResonanzError as problem:
            error = problem.message
        else:
            return redirect("web:settings_topics")
    listed = Topic.objects.filter(workspace=agent.workspace_id).order_by("slug")
    return _render(
        request,
        "web/settings/topics.html",
        "topics",
        status=400 if error else 200,
        topics=listed,
        editing=editing,
        error=error,
    )


# --- Macros ---------------------------------------------------------------------------------------------
# The channel kinds a macro can be limited to, as customers see them (a fake account counts as what it imitates).
# From the channel registry, plus the forum (an identity kind posting through the webhook channel).
def macro_channel_kinds() -> tuple[str, ...]:
    kinds = [spec.kind for spec in all_channels() if spec.offered]
    return tuple(dict.fromkeys([*kinds, "forum"]))


def _macro(agent: Agent, macro_id: int) -> Macro:
    macro = Macro.objects.filter(pk=macro_id, workspace=agent.workspace_id).first()
    if macro is None:
        raise Http404("macro not found")
    return macro


@requires("macros.manage")
def macros(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    editing = _macro(agent, int(request.GET["edit"])) if request.GET.get("edit", "").isdigit() else None
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted = read(MacroForm, request.POST)
        fields = {k: posted[k] for k in ("name", "language", "text")}
        kinds = posted["channel_kinds"]
        try:
            if posted["macro"] is not None:
                editing = _macro(agent, posted["macro"])
                do_update_macro(agent, editing, **fields, channel_kinds=kinds)
            else:
                do_add_macro(agent, **fields, channel_kinds=kinds)
        except ResonanzError as problem:
            error = problem.message
        else:
            return redirect("web:settings_macros")
    listed = Macro.objects.filter(workspace=agent.workspace_id).order_by("name", "language")
    return _render(
        request,
        "web/settings/macros.html",
        "macros",
        status=400 if error else 200,
        macros=listed,
        editing=editing,
        error=error,
        languages=agent.workspace.languages,
        channel_kinds=macro_channel_kinds(),
        values=(
            {**as_strings(posted), "channel_kinds": posted["channel_kinds"]}
            if error
            else {
                "name": editing.name,
                "language": editing.language,
                "text": editing.text,
                "channel_kinds": editing.channel_kinds,
            }
            if editing
            else {}
        ),
    )


@requires("macros.manage")
@require_POST
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    agent = _agent(request)
    do_delete_macro(agent, _macro(agent, macro_id))
    return redirect("web:settings_macros")


# --- SLA policies ---------------------------------------------------------------------------------------
@requires("settings.manage")
def sla(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    error = ""
    if request.method == "POST":
        posted = read(SlaForm, request.POST)
        try:
            priority = posted["priority"]
            do_save_sla_policy(
                agent,
                channel_kind=posted["channel_kind"],
                priority=int(priority) if priority.strip() else None,
                first_response_minutes=int(posted["first_response_minutes"] or 0),
                resolution_minutes=int(posted["resolution_minutes"] or 0),
                warn_before_minutes=int(posted["warn_before_minutes"] or 15),
            )
        except ResonanzError as problem:
            error = problem.message
        except ValueError:
            error = _("Bitte ganze Minuten angeben.")
        else:
            return redirect("web:settings_sla")
    policies = SlaPolicy.objects.filter(workspace=agent.workspace_id).order_by("channel_kind", "priority")
    return _render(
        request,
        "web/settings/sla.html",
        "sla",
        status=400 if error else 200,
        policies=policies,
        # The built-in targets, shown under the workspace's own: what applies where no row of its own does.
        defaults=[
            (Conversation.Priority(priority).label, targets)
            for priority, targets in sorted(DEFAULT_TARGETS.items(), reverse=True)
        ],
        priorities=Conversation.Priority.choices,
        error=error,
    )


@requires("settings.manage")
@require_POST
def sla_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    agent = _agent(request)
    policy = SlaPolicy.objects.filter(pk=policy_id, workspace=agent.workspace_id).first()
    if policy is None:
        raise Http404("SLA policy not found")
    do_delete_sla_policy(agent, policy)
    return redirect("web:settings_sla")
