"""The password policy for agents: Django's validators (settings.AUTH_PASSWORD_VALIDATORS) on every password
an agent gets, whether from `createagent`, the demo or the admin's password form, plus one rule of our own:
the demo's published password works only in the demo workspace."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resonanz.core.errors import InvalidInput
from resonanz.workspaces.models import Workspace

# Printed by `resonanz demo` and written in the README: everyone knows it.
PUBLISHED_DEMO_PASSWORD = "demo-resonanz"  # noqa: S105 - public on purpose, and refused outside the demo
DEMO_ONLY_MESSAGE = gettext_lazy("Das veröffentlichte Demo-Passwort gilt nur im Demo-Arbeitsbereich")


def is_demo_workspace(workspace: Workspace | None) -> bool:
    return workspace is not None and bool((workspace.settings or {}).get("demo"))


class PublishedDemoPasswordValidator:
    """AUTH_PASSWORD_VALIDATORS entry: refuses the demo's password for any login outside the demo workspace
    (an admin setting it in /admin/, an operator account)."""

    def validate(self, password: str, user: Any = None) -> None:
        if password != PUBLISHED_DEMO_PASSWORD:
            return
        agent = getattr(user, "agent", None) if user is not None and user.pk else None
        if not is_demo_workspace(agent.workspace if agent is not None else None):
            raise ValidationError(DEMO_ONLY_MESSAGE, code="published_password")

    def get_help_text(self) -> str:
        return str(DEMO_ONLY_MESSAGE)


def check_agent_password(password: str, workspace: Workspace, *, username: str, email: str = "") -> None:
    """Raise InvalidInput (400) with every reason a new agent's password is refused."""
    if len(password) < 8:
        raise InvalidInput(_("Das Passwort braucht mindestens 8 Zeichen"))
    if password == PUBLISHED_DEMO_PASSWORD and not is_demo_workspace(workspace):
        raise InvalidInput(str(DEMO_ONLY_MESSAGE))
    from django.contrib.auth import get_user_model

    # An unsaved user carries what the similarity check compares against; the demo rule is decided above
    # with the workspace, which an unsaved user does not know yet.
    candidate = get_user_model()(username=username, email=email)
    validators = [
        v for v in get_default_password_validators() if not isinstance(v, PublishedDemoPasswordValidator)
    ]
    try:
        validate_password(password, user=candidate, password_validators=validators)
    except ValidationError as error:
        raise InvalidInput(" ".join(str(message) for message in error.messages)) from None
