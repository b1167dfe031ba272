"""`resonanz channel add|list|show|test|disable|enable|kinds`: channel accounts from the shell; `kinds` lists
the channel kinds of the registry with their configuration fields.

    resonanz channel add webhook --name "Shop-Formular" --json
    resonanz channel add email --name Support --set address=support@example.de --set imap_host=imap.example.de \\
        --set imap_password=… --set smtp_host=smtp.example.de
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.channels.connection import test_connection
from resonanz.channels.models import ChannelAccount
from resonanz.channels.registry import all_channels
from resonanz.channels.settings_actions import (
    describe,
    do_add_channel_account,
    do_set_channel_enabled,
    receives_webhooks,
)
from resonanz.cli.common import add_common, emit, parse_settings, refusing, table, workspace_of


class Command(BaseCommand):
    help = "Add, list, show, test, disable or enable channel accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a channel account")
        add.add_argument("kind", choices=sorted(spec.kind for spec in all_channels()))
        add.add_argument("--name", required=True)
        add.add_argument("--set", dest="values", action="append", default=[], metavar="KEY=VALUE")
        add_common(add)
        add_common(sub.add_parser("list", help="list the channel accounts"))
        add_common(sub.add_parser("kinds", help="the channel kinds `add` takes, with their fields"))
        for action in ("show", "test", "disable", "enable"):
            one = sub.add_parser(action, help=f"{action} one channel account")
            one.add_argument("id", type=int)
            add_common(one)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        as_json = options["json"]
        if action == "kinds":
            emit(self.stdout, as_json, kinds(), _kinds)
            return
        workspace = workspace_of(options["workspace"])
        if action == "add":
            with refusing():
                account = do_add_channel_account(
                    workspace,
                    kind=options["kind"],
                    name=options["name"],
                    values=parse_settings(options["values"]),
                    actor=None,
                )
            data = describe(account)
            if receives_webhooks(account.kind):
                # Shown here once so the platform can be configured; `show` never prints it again.
                data["secret"] = account.secret
            emit(self.stdout, as_json, data, _added)
            return
        if action == "list":
            rows = [describe(a) for a in ChannelAccount.objects.filter(workspace=workspace).order_by("pk")]
            emit(
                self.stdout,
                as_json,
                rows,
                lambda r: table(r, ["id", "kind", "name", "status", "webhook_url"]),
            )
            return
        found = ChannelAccount.objects.filter(workspace=workspace, pk=options["id"]).first()
        if found is None:
            raise CommandError(f"no channel account {options['id']} in workspace {workspace.slug!r}")
        account = found
        if action == "show":
            emit(self.stdout, as_json, describe(account), _shown)
        elif action == "test":
            result = test_connection(account)
            data = {"id": account.pk, "ok": result.ok, "code": result.code, "message": result.message}
            emit(self.stdout, as_json, data, lambda d: ("ok: " if d["ok"] else "failed: ") + d["message"])
            if not result.ok:
                raise CommandError(f"connection test failed: {result.message}")
        else:
            do_set_channel_enabled(account, enabled=action == "enable", actor=None)
            emit(
                self.stdout,
                as_json,
                describe(account),
                lambda d: f"channel account {d['id']} is {d['status']}",
            )


def kinds() -> list[dict[str, Any]]:
    """Every channel the settings offer, from the registry: its label, webhook and configuration fields."""
    return [
        {
            "kind": spec.kind,
            "label": str(spec.label),
            "webhook": spec.webhook,
            "docs": spec.docs,
            "fields": [
                {
                    "key": field.key,
                    "type": field.type,
                    "required": field.required,
                    "secret": field.secret,
                    "default": field.default,
                    "choices": list(field.choices),
                }
                for field in spec.config
            ],
        }
        for spec in all_channels()
        if spec.offered
    ]


def _kinds(rows: list[dict[str, Any]]) -> str:
    """One line per kind: `email  E-Mail  address*, imap_password (secret), …`."""
    lines = []
    for row in rows:
        fields = ", ".join(
            f["key"] + ("*" if f["required"] else "") + (" (secret)" if f["secret"] else "")
            for f in row["fields"]
        )
        lines.append(f"{row['kind']:<10} {row['label']:<20} {fields}")
    return "\n".join(lines)


def _added(data: dict[str, Any]) -> str:
    lines = [f"channel account {data['id']} ({data['kind']}) {data['name']!r} added"]
    if data.get("webhook_url"):
        lines.append(f"webhook URL: {data['webhook_url']}")
        lines.append(f"secret (shown once): {data['secret']}")
    return "\n".join(lines)


def _shown(data: dict[str, Any]) -> str:
    lines = [f"{key}: {value}" for key, value in data.items() if key != "config"]
    lines += [f"config.{key}: {value}" for key, value in data["config"].items()]
    return "\n".join(lines)
