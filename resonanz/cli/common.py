"""What the settings commands share: finding the workspace, printing text or JSON, refusing with a clear
message and a non-zero exit code."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import CommandError, CommandParser, OutputWrapper

from resonanz.core.errors import ResonanzError
from resonanz.workspaces.models import Workspace


def add_common(parser: CommandParser) -> None:
    parser.add_argument("--workspace", default="", help="workspace slug (default: the only one)")
    parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")


def workspace_of(slug: str) -> Workspace:
    if slug:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"no workspace {slug!r}")
        return workspace
    workspaces = list(Workspace.objects.order_by("pk")[:2])
    if not workspaces:
        raise CommandError("no workspace yet: run `resonanz init --admin NAME` first")
    if len(workspaces) > 1:
        raise CommandError("several workspaces exist: name one with --workspace SLUG")
    return workspaces[0]


def parse_settings(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--set takes key=value, not {pair!r}")
        values[key.strip()] = value
    return values


@contextmanager
def refusing() -> Iterator[None]:
    """Turn the actions' user-facing errors into CommandError (exit code 1, the message on stderr)."""
    try:
        yield
    except ResonanzError as error:
        raise CommandError(error.message) from None


def emit(stdout: OutputWrapper, as_json: bool, data: Any, text: Callable[[Any], str]) -> None:
    if as_json:
        stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        stdout.write(text(data))


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
