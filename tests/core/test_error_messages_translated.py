"""Every user-facing error is translatable (issue 11, decision 0012): the message of a `ResonanzError`
raised anywhere in resonanz/ is a gettext call (or a `%` on one), never a bare string or f-string, which
would reach the German UI in whatever language it was written in."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "resonanz"
GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _trees() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts and "tests" not in path.parts
    }


def error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """ResonanzError and every class that derives from it, here or in any module of the package."""
    names = {"ResonanzError"}
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(_name(b) for b in node.bases)
    grown = True
    while grown:
        found = {cls for cls, of in bases.items() if of & names} - names
        names |= found
        grown = bool(found)
    return names


def _literal(node: ast.expr) -> bool:
    """A message written in one language only: a string, an f-string, or one of them formatted/joined."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _literal(node.left) or (isinstance(node.op, ast.Add) and _literal(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal(node.func.value)
    return False


def untranslated(trees: dict[Path, ast.Module], classes: set[str]) -> list[str]:
    found = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            call = node.exc
            if _name(call.func) not in classes:
                continue
            message = (
                call.args[0]
                if call.args
                else next((k.value for k in call.keywords if k.arg == "message"), None)
            )
            if message is not None and _literal(message):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(message)[:80]}")
    return found


def test_the_scan_knows_every_error_class():
    classes = error_classes(_trees())
    assert {"InvalidInput", "PermissionDenied", "NotFound", "Conflict", "NotAuthenticated"} <= classes
    assert {"ChannelDisabled", "TooManyPosts", "TooManyRequests"} <= classes


def test_the_scan_finds_a_bare_message():
    tree = ast.parse(
        'raise InvalidInput("a reply needs text")\n'
        'raise NotFound(f"no conversation {pk}")\n'
        'raise Conflict("%s taken" % name)\n'
        'raise InvalidInput(_("Die Antwort braucht Text"))\n'
        'raise NotFound(_("Keine Unterhaltung %(pk)s") % {"pk": pk})\n'
        "raise InvalidInput(message)\n"
        'raise ValueError("for developers")\n'
    )
    found = untranslated({PACKAGE / "example.py": tree}, error_classes(_trees()))
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]


def test_every_raised_error_message_is_translatable():
    trees = _trees()
    found = untranslated(trees, error_classes(trees))
    assert not found, "wrap these messages in gettext (German msgid, English in the .po):\n" + "\n".join(
        found
    )
