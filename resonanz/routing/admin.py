"""Admins edit routing rules here; every save or delete writes the next rule-set version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from resonanz.core.errors import InvalidInput
from resonanz.routing.actions import check_rule, do_delete_routing_rule, do_save_routing_rule
from resonanz.routing.models import RULE_FIELDS, RoutingRule, RuleSetVersion
from resonanz.workspaces.models import Agent


def _actor(request: HttpRequest) -> Agent | None:
    return Agent.objects.filter(user__pk=request.user.pk).first() if request.user.pk else None


class RoutingRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoutingRule
        fields = ("workspace", *RULE_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.errors:
            try:
                check_rule(RoutingRule(**{k: v for k, v in cleaned.items() if v is not None}))
            except InvalidInput as error:
                raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = RoutingRuleForm
    list_display = ("name", "workspace", "position", "is_active", "topics", "team", "skill", "priority")
    list_filter = ("workspace", "is_active", "team")
    ordering = ("workspace", "position", "id")
    fieldsets = (
        (None, {"fields": ("workspace", "name", "position", "is_active", "stop")}),
        (
            "Wenn (leer = beliebig)",
            {
                "fields": (
                    "topics",
                    "languages",
                    "channel_kinds",
                    "urgencies",
                    "sentiments",
                    "sensitivities",
                    "regions",
                    "customer_is_vip",
                    "conversation_is_public",
                )
            },
        ),
        ("Dann", {"fields": ("team", "skill", "priority", "move_private")}),
    )

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        do_save_routing_rule(_actor(request), obj)

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        do_delete_routing_rule(_actor(request), obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> None:
        for rule in queryset:
            do_delete_routing_rule(_actor(request), rule)


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("workspace", "version", "change", "created_by", "created_at")
    list_filter = ("workspace",)
    readonly_fields = ("workspace", "version", "rules", "created_by", "change", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RuleSetVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RuleSetVersion | None = None) -> bool:
        return False
