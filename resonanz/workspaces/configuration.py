"""The workspace's own settings as a company edits them: name, languages, federal state and business hours,
time zone, signature style, private terms, response-rate thresholds. Checked here, written with one audit
entry; the parts of the code that read them (SLA calendar, understanding, analytics, persona) read the same
keys of ``Workspace.settings``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package
from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.core.errors import InvalidInput
from resonanz.workspaces.actions import audit, check_languages
from resonanz.workspaces.models import Agent, Workspace

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FEDERAL_STATES = tuple(sorted(holidays_package.country_holidays("DE").subdivisions))
SIGNATURE_STYLES = ("initials", "first_name", "none")
_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class WorkspaceSettings:
    name: str
    languages: list[str]
    federal_state: str
    time_zone: str
    business_hours: dict[str, list[list[str]]]
    # Company holidays on top of the state's public holidays (ISO dates: "2026-12-24").
    closed_days: list[str]
    signature_style: str
    private_terms: list[str]
    response_rate_threshold: float
    response_target_minutes: int
    response_rate_min_posts: int


def current_settings(workspace: Workspace) -> WorkspaceSettings:
    stored = workspace.settings if isinstance(workspace.settings, dict) else {}
    understanding = stored.get("understanding") if isinstance(stored.get("understanding"), dict) else {}
    return WorkspaceSettings(
        name=workspace.name,
        languages=list(workspace.languages or ["de"]),
        federal_state=str(stored.get("federal_state") or ""),
        time_zone=str(stored.get("time_zone") or "Europe/Berlin"),
        business_hours=stored.get("business_hours") or {d: [["08:00", "18:00"]] for d in WEEKDAYS[:5]},
        closed_days=[str(d) for d in stored.get("closed_days", [])],
        signature_style=workspace.signature_style,
        private_terms=[str(t) for t in (understanding or {}).get("private_terms", [])],
        response_rate_threshold=float(stored.get("response_rate_threshold", 0.8)),
        response_target_minutes=int(stored.get("response_target_minutes", 60)),
        response_rate_min_posts=int(stored.get("response_rate_min_posts", 5)),
    )


def parse_closed_days(days: Any) -> list[str]:
    """Company holidays, each a date ("2026-12-24" or "24.12.2026"), sorted, each once."""
    out: set[str] = set()
    for raw in [str(d).strip() for d in days if str(d).strip()]:
        try:
            day = dt.datetime.strptime(raw, "%d.%m.%Y").date() if "." in raw else dt.date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(
                _("closed_days: „%(raw)s“ ist kein Datum (2026-12-24 oder 24.12.2026)") % {"raw": raw[:40]}
            ) from None
        out.add(day.isoformat())
    if len(out) > 400:
        raise InvalidInput(_("closed_days: höchstens 400 Tage"))
    return sorted(out)


def parse_hours(text: str, day: str) -> list[list[str]]:
    """ "08:00-12:00, 13:00-18:00" → [["08:00", "12:00"], ["13:00", "18:00"]]; empty: closed."""
    intervals = []
    for part in [p for p in text.split(",") if p.strip()]:
        match = _INTERVAL.match(part)
        if match is None:
            raise InvalidInput(
                _("business_hours.%(day)s: bitte als 08:00-18:00 angeben (mehrere durch Kommas getrennt)")
                % {"day": day}
            )
        start, end = match.groups()
        try:
            start_time, end_time = dt.time.fromisoformat(start.zfill(5)), dt.time.fromisoformat(end.zfill(5))
        except ValueError:
            raise InvalidInput(
                _("business_hours.%(day)s: „%(value)s“ ist keine Uhrzeit")
                % {"day": day, "value": part.strip()}
            ) from None
        if start_time == end_time:
            raise InvalidInput(_("business_hours.%(day)s: ein Zeitraum braucht eine Länge") % {"day": day})
        intervals.append([start_time.strftime("%H:%M"), end_time.strftime("%H:%M")])
    return intervals


def do_update_workspace_settings(workspace: Workspace, *, actor: Agent | None, **changes: Any) -> Workspace:
    """Each keyword is a WorkspaceSettings field; all are checked before anything is written."""
    unknown = set(changes) - set(WorkspaceSettings.__dataclass_fields__)
    if unknown:
        raise InvalidInput(
            _("Unbekannte Einstellung des Arbeitsbereichs: „%(setting)s“") % {"setting": sorted(unknown)[0]}
        )
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = str(changes["name"]).strip()
        if not clean["name"] or len(clean["name"]) > 200:
            raise InvalidInput(_("name: 1 bis 200 Zeichen"))
    if "languages" in changes:
        clean["languages"] = check_languages(list(changes["languages"]))
        if not clean["languages"]:
            raise InvalidInput(_("languages: mindestens eine"))
    if "federal_state" in changes:
        state = str(changes["federal_state"] or "").upper()
        if state and state not in FEDERAL_STATES:
            raise InvalidInput(
                _("federal_state: erlaubt sind %(states)s oder leer") % {"states": ", ".join(FEDERAL_STATES)}
            )
        clean["federal_state"] = state
    if "time_zone" in changes:
        try:
            ZoneInfo(str(changes["time_zone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                _("time_zone: unbekannte Zeitzone „%(zone)s“") % {"zone": changes["time_zone"]}
            ) from None
        clean["time_zone"] = str(changes["time_zone"])
    if "business_hours" in changes:
        hours = changes["business_hours"]
        if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
            raise InvalidInput(_("business_hours: eine Liste von Zeiträumen je Wochentag (mon … sun)"))
        clean["business_hours"] = {day: hours.get(day, []) for day in WEEKDAYS if hours.get(day)}
    if "closed_days" in changes:
        clean["closed_days"] = parse_closed_days(changes["closed_days"])
    if "signature_style" in changes:
        if changes["signature_style"] not in SIGNATURE_STYLES:
            raise InvalidInput(
                _("signature_style: erlaubt sind %(styles)s") % {"styles": ", ".join(SIGNATURE_STYLES)}
            )
        clean["signature_style"] = changes["signature_style"]
    if "private_terms" in changes:
        terms = [str(t).strip() for t in changes["private_terms"] if str(t).strip()]
        if len(terms) > 500 or any(len(t) > 100 for t in terms):
            raise InvalidInput(_("private_terms: höchstens 500 Begriffe mit je höchstens 100 Zeichen"))
        clean["private_terms"] = list(dict.fromkeys(terms))
    for key, low, high, kind in (
        ("response_rate_threshold", 0.0, 1.0, float),
        ("response_target_minutes", 1, 7 * 24 * 60, int),
        ("response_rate_min_posts", 1, 100_000, int),
    ):
        if key in changes:
            try:
                value = kind(changes[key])
            except (TypeError, ValueError):
                raise InvalidInput(_("%(key)s: keine Zahl") % {"key": key}) from None
            if not low <= value <= high:
                raise InvalidInput(
                    _("%(key)s: zwischen %(low)s und %(high)s") % {"key": key, "low": low, "high": high}
                )
            clean[key] = value
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
        before = current_settings(workspace)
        stored = dict(workspace.settings) if isinstance(workspace.settings, dict) else {}
        changed = {k: v for k, v in clean.items() if getattr(before, k) != v}
        for key, value in changed.items():
            if key in ("name", "languages", "signature_style"):
                setattr(workspace, key, value)
            elif key == "private_terms":
                understanding = dict(stored.get("understanding") or {})
                understanding["private_terms"] = value
                stored["understanding"] = understanding
            else:
                stored[key] = value
        if changed:
            workspace.settings = stored
            workspace.save(update_fields=["name", "languages", "signature_style", "settings"])
            audit(
                workspace.pk,
                actor,
                "workspace.updated",
                "workspace",
                workspace.pk,
                {"changed": sorted(changed)},
            )
    return workspace
