"""The first visit to a fresh install: create the workspace and its first admin, once."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from resonanz.core.errors import Conflict, InvalidInput
from resonanz.workspaces.actions import do_create_agent, do_create_workspace
from resonanz.workspaces.models import Agent


def do_first_run(company: str, username: str, password: str) -> Agent:
    """Refused once any agent exists (a second run changes nothing). The caller adds the default topics
    (`resonanz.understanding.actions.do_ensure_default_topics`: the understanding app sits above this one)."""
    if not company.strip():
        raise InvalidInput(_("Firma: Ein Name ist nötig"))
    try:
        validate_password(password)
    except ValidationError as error:
        raise InvalidInput(_("Passwort: %(reasons)s") % {"reasons": " ".join(error.messages)}) from None
    with transaction.atomic():
        if Agent.objects.select_for_update().exists():
            raise Conflict(_("Diese Installation ist schon eingerichtet"))
        workspace = do_create_workspace(company.strip())
        return do_create_agent(
            workspace, username=username, password=password, display_name=username, role=Agent.Role.ADMIN
        )
