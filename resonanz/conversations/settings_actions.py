"""Macros and SLA policies as admins and leads edit them in the settings area; each write is audited."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resonanz.conversations.actions import do_create_macro
from resonanz.conversations.macros import check_channel_kinds, check_macro_text
from resonanz.conversations.models import Conversation, Macro, SlaPolicy
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.text import one_line
from resonanz.workspaces.actions import audit
from resonanz.workspaces.models import Agent


def do_add_macro(
    actor: Agent, name: str, language: str, text: str, channel_kinds: Sequence[str] = ()
) -> Macro:
    with transaction.atomic():
        macro = do_create_macro(actor.workspace, name, language, text, channel_kinds)
        audit(
            actor.workspace_id,
            actor,
            "macro.created",
            "macro",
            macro.pk,
            {"name": macro.name, "language": language, "channel_kinds": macro.channel_kinds},
        )
    return macro


def do_update_macro(
    actor: Agent, macro: Macro, *, name: str, language: str, text: str, channel_kinds: Sequence[str] = ()
) -> Macro:
    name = one_line(name, 120).strip()
    if not name:
        raise InvalidInput(_("Ein Textbaustein braucht einen Namen"))
    if language not in actor.workspace.languages:
        raise InvalidInput(
            _("Sprache: erlaubt sind %(languages)s") % {"languages": ", ".join(actor.workspace.languages)}
        )
    text = check_macro_text(text)
    kinds = check_channel_kinds(channel_kinds)
    try:
        with transaction.atomic():
            macro.name, macro.language, macro.text, macro.channel_kinds = name, language, text, kinds
            macro.save(update_fields=["name", "language", "text", "channel_kinds"])
            audit(
                actor.workspace_id,
                actor,
                "macro.updated",
                "macro",
                macro.pk,
                {"name": name, "language": language, "channel_kinds": kinds},
            )
    except IntegrityError:
        raise Conflict(
            _("Einen Textbaustein „%(name)s“ in „%(language)s“ gibt es schon")
            % {"name": name, "language": language}
        ) from None
    return macro


def do_delete_macro(actor: Agent, macro: Macro) -> None:
    with transaction.atomic():
        audit(
            actor.workspace_id,
            actor,
            "macro.deleted",
            "macro",
            macro.pk,
            {"name": macro.name, "language": macro.language},
        )
        macro.delete()


def do_save_sla_policy(
    actor: Agent,
    *,
    channel_kind: str,
    priority: int | None,
    first_response_minutes: int,
    resolution_minutes: int,
    warn_before_minutes: int = 15,
) -> SlaPolicy:
    """Create or replace the policy for (channel kind, priority); empty kind / None priority: any."""
    if priority is not None and priority not in Conversation.Priority.values:
        raise InvalidInput(
            _("Priorität: erlaubt sind %(priorities)s")
            % {"priorities": ", ".join(str(v) for v in Conversation.Priority.values)}
        )
    for label, value in (
        ("first_response_minutes", first_response_minutes),
        ("resolution_minutes", resolution_minutes),
    ):
        if not 1 <= value <= 60 * 24 * 60:
            raise InvalidInput(_("%(label)s: 1 bis 86400 Geschäftsminuten") % {"label": label})
    if resolution_minutes < first_response_minutes:
        raise InvalidInput(_("resolution_minutes: nicht kürzer als die erste Antwort"))
    if not 0 <= warn_before_minutes < first_response_minutes:
        raise InvalidInput(_("warn_before_minutes: 0 bis unter das Ziel für die erste Antwort"))
    kind = channel_kind.strip().lower()
    with transaction.atomic():
        policy, created = SlaPolicy.objects.update_or_create(
            workspace=actor.workspace,
            channel_kind=kind,
            priority=priority,
            defaults={
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
                "warn_before_minutes": warn_before_minutes,
            },
        )
        audit(
            actor.workspace_id,
            actor,
            "sla.created" if created else "sla.updated",
            "sla_policy",
            policy.pk,
            {
                "channel_kind": kind,
                "priority": priority,
                "first_response_minutes": first_response_minutes,
                "resolution_minutes": resolution_minutes,
            },
        )
    return policy


def do_delete_sla_policy(actor: Agent, policy: SlaPolicy) -> None:
    with transaction.atomic():
        audit(
            actor.workspace_id,
            actor,
            "sla.deleted",
            "sla_policy",
            policy.pk,
            {"channel_kind": policy.channel_kind, "priority": policy.priority},
        )
        policy.delete()
