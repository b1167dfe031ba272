"""Macros: canned answers with placeholders."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resonanz.conversations.macros import check_channel_kinds, check_macro_text
from resonanz.conversations.models import (
    Macro,
)
from resonanz.core.errors import Conflict, InvalidInput
from resonanz.core.text import one_line
from resonanz.workspaces.models import Workspace


def do_create_macro(
    workspace: Workspace, name: str, language: str, text: str, channel_kinds: Sequence[str] = ()
) -> Macro:
    name = one_line(name, 120).strip()
    if not name:
        raise InvalidInput(_("Ein Textbaustein braucht einen Namen"))
    if language not in workspace.languages:
        raise InvalidInput(
            _("Sprache: erlaubt sind %(languages)s") % {"languages": ", ".join(workspace.languages)}
        )
    text = check_macro_text(text)
    kinds = check_channel_kinds(channel_kinds)
    try:
        with transaction.atomic():
            return Macro.objects.create(
                workspace=workspace, name=name, language=language, text=text, channel_kinds=kinds
            )
    except IntegrityError:
        raise Conflict(
            _("Einen Textbaustein „%(name)s“ in „%(language)s“ gibt es schon")
            % {"name": name, "language": language}
        ) from None
