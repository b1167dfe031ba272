"""Where the shared development data lives: `../shared/data` beside the repository, never an absolute path.

Tests and benchmarks use it when present and skip cleanly where it is absent. In a git worktree the
repository's main checkout is asked too (its `../shared/data`); `RESONANZ_SHARED_DATA` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def _main_checkout(repo: Path) -> Path | None:
    """The main checkout of a git worktree (whose `.git` is a file naming its git directory)."""
    marker = repo / ".git"
    if not marker.is_file():
        return None
    _, _, gitdir_text = marker.read_text().partition("gitdir:")
    gitdir = (repo / gitdir_text.strip()).resolve()
    commondir = gitdir / "commondir"
    if not commondir.is_file():
        return None
    return (gitdir / commondir.read_text().strip()).resolve().parent


def shared_data_dir(repo: Path = REPOSITORY) -> Path | None:
    override = os.environ.get("RESONANZ_SHARED_DATA")
    if override:
        return Path(override) if Path(override).is_dir() else None
    candidates = [repo.parent / "shared" / "data"]
    main = _main_checkout(repo)
    if main is not None:
        candidates.append(main.parent / "shared" / "data")
    return next((path for path in candidates if path.is_dir()), None)
