"""`resonanz openapi [--check]`: write the API's OpenAPI schema to docs/openapi.json, or check it is current."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

SCHEMA_PATH = Path(settings.BASE_DIR).parent / "docs" / "openapi.json"


def current_schema() -> str:
    from resonanz.api.views import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write docs/openapi.json from the code, or with --check fail if it differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--path", default=str(SCHEMA_PATH))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        schema = current_schema()
        if options["check"]:
            if not path.is_file() or path.read_text() != schema:
                raise CommandError(f"{path} is out of date: run `resonanz openapi` and commit it")
            self.stdout.write("OpenAPI schema is current")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(schema)
        self.stdout.write(f"wrote {path}")
