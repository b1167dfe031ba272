"""The English catalogue is complete: every UI string has a translation that is neither empty nor fuzzy,
and the committed .mo says what the .po says (decision 0452: German msgids, English as the translation)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "resonanz"  # resonanz/
CATALOGUES = ("web/locale", "locale")  # the agent UI's, and the one for every other app's strings

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")


def _entries(po: Path) -> list[str]:
    return [e for e in po.read_text(encoding="utf-8").split("\n\n")[1:] if "msgid" in e]


def _unescape(quoted: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', quoted)
    return "".join(parts).encode("latin-1", "backslashreplace").decode("unicode_escape")


def _pairs(entry: str) -> tuple[str, str] | None:
    if entry.lstrip().startswith("#~") or "msgid_plural" in entry:
        return None
    found = re.search(r"\nmsgid (.*?)\nmsgstr (.*)$", "\n" + entry.strip(), re.S)
    if not found:
        return None
    return _unescape(found.group(1)), _unescape(found.group(2))


def test_every_ui_string_has_an_english_translation(tmp_path):
    tree = tmp_path / "resonanz"
    shutil.copytree(PACKAGE, tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
    (tree / "locale").mkdir(exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"],
        cwd=tree,
        env={
            "DJANGO_SETTINGS_MODULE": "resonanz.settings",
            "PYTHONPATH": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "RESONANZ_DATA_DIR": str(tmp_path / "var"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    missing = []
    for catalogue in CATALOGUES:
        po = tree / catalogue / "en" / "LC_MESSAGES" / "django.po"
        if not po.exists():
            continue
        for entry in _entries(po):
            pair = _pairs(entry)
            if pair is None or not pair[0]:
                continue
            if "#, fuzzy" in entry or not pair[1]:
                missing.append(f"{catalogue}: {pair[0]!r}")
    assert not missing, "untranslated or fuzzy (run makemessages -l en, translate, msgfmt):\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_the_compiled_catalogue_matches_its_source(catalogue):
    po = PACKAGE / catalogue / "en" / "LC_MESSAGES" / "django.po"
    if not po.exists():
        pytest.skip(f"{catalogue} has no catalogue yet")
    with (po.with_suffix(".mo")).open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [
        msgid
        for msgid, msgstr in filter(None, map(_pairs, _entries(po)))
        if msgid and msgstr and compiled.gettext(msgid) != msgstr
    ]
    assert not stale, f"{catalogue}: the .mo is older than the .po (run msgfmt): {stale[:5]}"
