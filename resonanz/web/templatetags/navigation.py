"""The left navigation of the base layout: the areas the agent's role may see, the current one marked.

Each entry states the permission it needs (workspaces/permissions.py) and the URL names that belong to it,
so a new page is marked by adding its URL name here. Rendered only on whole pages (base.html), never in
htmx partials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from resonanz.web.inbox_filters import VIEWS
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

register = template.Library()


@dataclass(frozen=True)
class Area:
    key: str
    label: Any
    url_name: str
    permission: str
    url_names: tuple[str, ...]


AREAS = (
    Area("inbox", gettext_lazy("Posteingang"), "web:inbox", "conversations.view", ("inbox", "conversation")),
    Area("customers", gettext_lazy("Kunden"), "web:customers", "customers.view", ("customers", "customer")),
    Area(
        "incidents", gettext_lazy("Störungen"), "web:incidents", "incidents.view", ("incidents", "incident")
    ),
    Area(
        "knowledge",
        gettext_lazy("Wissen"),
        "web:articles",
        "knowledge.view",
        ("articles", "article_new", "article_edit", "article_diff"),
    ),
    Area(
        "community",
        gettext_lazy("Community"),
        "web:community_moderation",
        "community.moderate",
        ("community_moderation",),
    ),
    Area(
        "notifications",
        gettext_lazy("Benachrichtigungen"),
        "web:notifications",
        "notifications.view",
        ("notifications",),
    ),
    Area("team", gettext_lazy("Team"), "web:team_presence", "presence.update_others", ("team_presence",)),
    Area("settings", gettext_lazy("Einstellungen"), "web:settings", "settings.manage", ("settings",)),
    Area("dev", gettext_lazy("Dev-Panel"), "web:dev_panel", "dev.panel", ("dev_panel", "component_library")),
)
# The inbox views listed under the inbox (their counts are on the inbox page itself).
INBOX_VIEWS = ("mine", "unassigned", "waiting", "due")


def _current_area(url_name: str) -> str:
    for area in AREAS:
        if url_name in area.url_names or (area.key == "settings" and url_name.startswith("settings")):
            return area.key
    return ""


@register.inclusion_tag("web/_navigation.html", takes_context=True)
def main_navigation(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    agent = context.get("agent")
    if not isinstance(agent, Agent) or request is None:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    current = _current_area(match.url_name if match and match.url_name else "")
    view = request.GET.get("view", "") if current == "inbox" else ""
    items = []
    for area in AREAS:
        if not has_perm(agent, area.permission):
            continue
        url = reverse(area.url_name)
        children = []
        if area.key == "inbox":
            children = [
                {"url": f"{url}?status=open&view={name}", "label": VIEWS[name], "current": view == name}
                for name in INBOX_VIEWS
            ]
        items.append(
            {
                "key": area.key,
                "url": url,
                "label": area.label,
                "current": area.key == current and not any(child["current"] for child in children),
                "children": children,
            }
        )
    return {"items": items}
