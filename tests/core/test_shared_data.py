"""The shared development data is found relative to the repository (issue 10, small defects)."""

from __future__ import annotations

import subprocess

from resonanz.core.shared_data import REPOSITORY, shared_data_dir


def test_found_beside_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv("RESONANZ_SHARED_DATA", raising=False)
    repo = tmp_path / "checkout"
    repo.mkdir()
    assert shared_data_dir(repo) is None
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert shared_data_dir(repo) == tmp_path / "shared" / "data"


def test_found_beside_the_main_checkout_of_a_worktree(tmp_path, monkeypatch):
    monkeypatch.delenv("RESONANZ_SHARED_DATA", raising=False)
    main = tmp_path / "main"
    subprocess.run(["git", "init", "-q", str(main)], check=True)
    subprocess.run(
        ["git", "-C", str(main), "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "PATH": "/usr/bin:/bin",
        },
    )
    worktree = tmp_path / "wt" / "branch"
    subprocess.run(["git", "-C", str(main), "worktree", "add", "-q", "-b", "b", str(worktree)], check=True)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert shared_data_dir(worktree) == tmp_path / "shared" / "data"


def test_the_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("RESONANZ_SHARED_DATA", str(tmp_path))
    assert shared_data_dir() == tmp_path
    monkeypatch.setenv("RESONANZ_SHARED_DATA", str(tmp_path / "missing"))
    assert shared_data_dir() is None


def test_no_code_hard_codes_the_machines_data_path():
    offenders = [
        str(path.relative_to(REPOSITORY))
        for folder in ("resonanz", "bench", "tests", "scripts")
        for path in (REPOSITORY / folder).rglob("*.py")
        if "/work/" + "shared" in path.read_text(errors="replace")
    ]
    assert offenders == []
