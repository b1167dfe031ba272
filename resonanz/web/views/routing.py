"""Settings → Routing: the rules (create, edit, delete), a preview ("which agent would this conversation go
to now?") and the version history of the rule set. Workspace-scoped; the Django admin is for operators."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resonanz.conversations.models import Conversation
from resonanz.core.errors import ResonanzError
from resonanz.routing.actions import do_delete_routing_rule, do_save_routing_rule
from resonanz.routing.models import RULE_FIELDS, RoutingRule, RuleSetVersion
from resonanz.routing.preview import preview_routing
from resonanz.understanding.models import Topic
from resonanz.web.forms import RuleTargetForm, read
from resonanz.web.permissions import requires
from resonanz.workspaces.models import Agent, Skill, Team

TRISTATE = [("", gettext_lazy("egal")), ("true", gettext_lazy("ja")), ("false", gettext_lazy("nein"))]


def _values(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class RuleForm(forms.ModelForm):  # type: ignore[type-arg]
    customer_is_vip = forms.TypedChoiceField(
        choices=TRISTATE,
        required=False,
        coerce=lambda v: {"true": True, "false": False}.get(v),
        empty_value=None,
    )
    conversation_is_public = forms.TypedChoiceField(
        choices=TRISTATE,
        required=False,
        coerce=lambda v: {"true": True, "false": False}.get(v),
        empty_value=None,
    )

    class Meta:
        model = RoutingRule
        fields = RULE_FIELDS
        labels = {
            "name": gettext_lazy("Name"),
            "position": gettext_lazy("Reihenfolge"),
            "is_active": gettext_lazy("Aktiv"),
            "stop": gettext_lazy("Danach keine weitere Regel prüfen"),
            "topics": gettext_lazy("Themen (Kürzel, kommagetrennt)"),
            "languages": gettext_lazy("Sprachen (de, en …)"),
            "channel_kinds": gettext_lazy("Kanalarten (x, email, phone …)"),
            "urgencies": gettext_lazy("Dringlichkeit (low, normal, high, urgent)"),
            "sentiments": gettext_lazy("Stimmung (negative, neutral, positive)"),
            "sensitivities": gettext_lazy("Vertraulichkeit (public, private)"),
            "regions": gettext_lazy("Regionen (Bundesländer)"),
            "customer_is_vip": gettext_lazy("VIP-Kunde"),
            "conversation_is_public": gettext_lazy("Öffentliches Gespräch"),
            "team": gettext_lazy("Team"),
            "skill": gettext_lazy("Fähigkeit"),
            "priority": gettext_lazy("Priorität mindestens"),
            "move_private": gettext_lazy("Öffentlich kurz antworten, privat weiter"),
        }
        help_texts = dict.fromkeys(fields, "")

    def __init__(self, *args: Any, agent: Agent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.fields["team"].queryset = Team.objects.filter(workspace=agent.workspace_id)  # type: ignore[attr-defined]
        self.fields["skill"].queryset = Skill.objects.filter(workspace=agent.workspace_id)  # type: ignore[attr-defined]

    def clean_topics(self) -> str:
        slugs = _values(self.cleaned_data.get("topics") or "")
        known = set(Topic.objects.filter(workspace=self.agent.workspace_id).values_list("slug", flat=True))
        unknown = [s for s in slugs if s not in known]
        if unknown:
            raise forms.ValidationError(
                _("Unbekanntes Thema: %(slugs)s. Bekannt: %(known)s")
                % {"slugs": ", ".join(unknown), "known": ", ".join(sorted(known))}
            )
        return ", ".join(slugs)

    def _clean_choice_list(self, name: str, allowed: set[str]) -> str:
        values = [v.lower() for v in _values(self.cleaned_data.get(name) or "")]
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise forms.ValidationError(_("Erlaubt: %(allowed)s") % {"allowed": ", ".join(sorted(allowed))})
        return ", ".join(values)

    def clean_urgencies(self) -> str:
        return self._clean_choice_list("urgencies", {"low", "normal", "high", "urgent"})

    def clean_sentiments(self) -> str:
        return self._clean_choice_list("sentiments", {"negative", "neutral", "positive"})

    def clean_sensitivities(self) -> str:
        return self._clean_choice_list("sensitivities", {"public", "private"})


def _agent(request: HttpRequest) -> Agent:
    agent = request.agent  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


def _rule(agent: Agent, rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.filter(pk=rule_id, workspace=agent.workspace_id).first()
    if rule is None:
        raise Http404("rule not found")
    return rule


def _page(
    request: HttpRequest, form: RuleForm, editing: RoutingRule | None, status: int = 200, **extra: Any
) -> HttpResponse:
    agent = _agent(request)
    rules = (
        RoutingRule.objects.filter(workspace=agent.workspace_id)
        .select_related("team", "skill")
        .order_by("position", "id")
    )
    versions = (
        RuleSetVersion.objects.filter(workspace=agent.workspace_id)
        .select_related("created_by")
        .order_by("-version")[:20]
    )
    conversations = (
        Conversation.objects.filter(workspace=agent.workspace_id, status__in=Conversation.OPEN_STATUSES)
        .select_related("customer")
        .order_by("-last_message_at")[:30]
    )
    return render(
        request,
        "web/settings/routing.html",
        {
            "agent": agent,
            "is_admin": True,
            "section": "routing",
            "rules": rules,
            "versions": versions,
            "form": form,
            "editing": editing,
            "conversations": conversations,
            "topics": Topic.objects.filter(workspace=agent.workspace_id).order_by("slug"),
            **extra,
        },
        status=status,
    )


@requires("settings.manage")
def routing(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    editing = _rule(agent, int(request.GET["edit"])) if request.GET.get("edit", "").isdigit() else None
    if request.method == "POST":
        rule_id = read(RuleTargetForm, request.POST)["rule"]
        target = _rule(agent, rule_id) if rule_id is not None else None
        form = RuleForm(
            request.POST, instance=target or RoutingRule(workspace_id=agent.workspace_id), agent=agent
        )
        if form.is_valid():
            rule = form.save(commit=False)
            rule.workspace = agent.workspace
            try:
                do_save_routing_rule(agent, rule)
            except ResonanzError as problem:
                form.add_error(None, problem.message)
            else:
                return redirect("web:settings_routing")
        return _page(request, form, target, status=400)
    form = (
        RuleForm(instance=editing, agent=agent)
        if editing
        else RuleForm(agent=agent, initial={"position": 100})
    )
    extra: dict[str, Any] = {}
    wanted = request.GET.get("preview", "")
    if wanted.isdigit():
        conversation = (
            Conversation.objects.select_related("customer", "channel_account", "workspace")
            .filter(pk=int(wanted), workspace=agent.workspace_id)
            .first()
        )
        if conversation is None:
            raise Http404("conversation not found")
        version, facts, decision = preview_routing(conversation)
        names = dict(Agent.objects.filter(workspace=agent.workspace_id).values_list("pk", "display_name"))
        extra["preview"] = {
            "conversation": conversation,
            "version": version,
            "facts": facts,
            "decision": decision,
            "owner": names.get(decision.owner_id or 0, ""),
            "candidates": [names.get(pk, "?") for pk in decision.candidates[:5]],
            "team": Team.objects.filter(pk=decision.team_id or 0).first(),
            "skill": Skill.objects.filter(pk=decision.skill_id or 0).first(),
            "matched": list(
                RoutingRule.objects.filter(pk__in=decision.matched_rule_ids).values_list("name", flat=True)
            ),
        }
    return _page(request, form, editing, **extra)


@requires("settings.manage")
@require_POST
def routing_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    do_delete_routing_rule(_agent(request), _rule(_agent(request), rule_id))
    return redirect("web:settings_routing")
