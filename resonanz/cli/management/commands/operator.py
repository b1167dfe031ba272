"""`resonanz operator NAME [--revoke]`: grant (or take back) the Django admin to a login.

The only way to it: no workspace role grants Django staff or superuser (decision 0700). An operator runs
the installation and sees every workspace in /admin/, so grant it to the people who run the server."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.core.models import AuditEntry
from resonanz.workspaces.models import Agent


class Command(BaseCommand):
    help = "Make a login an operator (Django admin, all workspaces), or take it back with --revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="take the Django admin away again")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no login named {options['username']!r}")
        grant = not options["revoke"]
        user.is_staff = grant
        user.is_superuser = grant
        user.save(update_fields=["is_staff", "is_superuser"])
        agent = Agent.objects.filter(user=user).first()
        AuditEntry.objects.create(
            workspace_id=agent.workspace_id if agent else 0,
            actor_id=None,
            action="operator.granted" if grant else "operator.revoked",
            object_type="user",
            object_id=user.pk,
            data={"username": user.get_username(), "via": "cli"},
        )
        state = "is now an operator (Django admin)" if grant else "is no operator any more"
        self.stdout.write(self.style.SUCCESS(f"{user.get_username()!r} {state}"))
