"""Production settings come from the environment with safe defaults (issue 10 item 18).

The settings module runs once per process, so each case imports it in a fresh interpreter with its own
environment and data directory."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from resonanz.core.keyfiles import read_or_create_key

RESONANZ = str(Path(sys.executable).parent / "resonanz")
CLEAN = {
    key: value
    for key, value in os.environ.items()
    if not key.startswith("RESONANZ_") and key not in ("DATABASE_URL", "BROKER_URL", "SECRET_KEY")
}


def settings_in(data_dir: Path, **env: str) -> dict[str, object]:
    names = [
        "SECRET_KEY",
        "SIGNING_KEY_SOURCE",
        "SCALE_OUT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "CSP_MODE",
        "HEALTH_TOKEN",
    ]
    code = (
        "import json; from resonanz import settings as s;"
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**CLEAN, "RESONANZ_DATA_DIR": str(data_dir), "RESONANZ_ENV_FILE": "/nonexistent", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_embedded_mode_keeps_one_private_key_in_the_data_directory(tmp_path):
    data_dir = tmp_path / "data"
    first = settings_in(data_dir)
    second = settings_in(data_dir)
    assert first["SIGNING_KEY_SOURCE"] == "data directory"
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(str(first["SECRET_KEY"])) >= 50
    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_key_from_the_environment_wins_and_nothing_is_written(tmp_path):
    data_dir = tmp_path / "data"
    found = settings_in(data_dir, RESONANZ_SECRET_KEY="k" * 60)
    assert (found["SECRET_KEY"], found["SIGNING_KEY_SOURCE"]) == ("k" * 60, "environment")
    assert not (data_dir / "secret_key").exists()


@pytest.mark.parametrize(
    "env",
    [
        {"BROKER_URL": "redis://127.0.0.1:6379/12"},
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/resonanz_sec-config"},
    ],
)
def test_scale_out_mode_never_invents_a_key_per_host(tmp_path, env):
    data_dir = tmp_path / "data"
    found = settings_in(data_dir, **env)
    assert found["SCALE_OUT"] is True
    assert found["SIGNING_KEY_SOURCE"] == "missing"
    assert not (data_dir / "secret_key").exists()


@pytest.mark.parametrize("role", ["web", "all"])
def test_run_refuses_to_serve_in_scale_out_mode_without_a_secret_key(tmp_path, role):
    env = {
        **CLEAN,
        "RESONANZ_DATA_DIR": str(tmp_path / "data"),
        "RESONANZ_ENV_FILE": "/nonexistent",
        "BROKER_URL": "redis://127.0.0.1:6379/12",
        "RESONANZ_QUEUE": "celery",
    }
    # A documentation address (TEST-NET-1) is never local: without the check the server fails to bind.
    args = [RESONANZ, "run", role, "--host", "192.0.2.1", "--port", "8000"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RESONANZ_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_when_the_embedded_key_cannot_be_kept(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {**CLEAN, "RESONANZ_DATA_DIR": str(blocker / "data"), "RESONANZ_ENV_FILE": "/nonexistent"}
    args = [RESONANZ, "run", "--host", "192.0.2.1", "--port", "8000"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "RESONANZ_SECRET_KEY" in result.stderr
    assert "secret_key" in result.stderr


def test_two_processes_creating_the_key_agree(tmp_path):
    path = tmp_path / "data" / "secret_key"
    assert read_or_create_key(path, lambda: "first") == "first"
    assert read_or_create_key(path, lambda: "second") == "first"
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temporary file left


def test_safe_defaults_for_plain_http(tmp_path):
    found = settings_in(tmp_path / "data")
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["CSRF_COOKIE_SECURE"] is False
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0
    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["CSP_MODE"] == "enforce"
    assert found["HEALTH_TOKEN"] == ""


def test_https_behind_a_proxy(tmp_path):
    found = settings_in(
        tmp_path / "data",
        RESONANZ_HTTPS="true",
        RESONANZ_SSL_REDIRECT="true",
        RESONANZ_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        RESONANZ_HSTS_INCLUDE_SUBDOMAINS="true",
    )
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31_536_000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_each_https_setting_can_be_set_on_its_own(tmp_path):
    found = settings_in(
        tmp_path / "data", RESONANZ_HTTPS="true", RESONANZ_HSTS_SECONDS="0", RESONANZ_CSRF_COOKIE_SECURE="no"
    )
    assert (found["SECURE_HSTS_SECONDS"], found["CSRF_COOKIE_SECURE"], found["SESSION_COOKIE_SECURE"]) == (
        0,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RESONANZ_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "RESONANZ_PROXY_SSL_HEADER must look like"),
        ({"RESONANZ_CSP": "sometimes"}, "RESONANZ_CSP must be enforce, report-only or off"),
    ],
)
def test_a_bad_setting_fails_clearly(tmp_path, env, message):
    result = subprocess.run(
        [sys.executable, "-c", "import resonanz.settings"],
        env={
            **CLEAN,
            "RESONANZ_DATA_DIR": str(tmp_path / "data"),
            "RESONANZ_ENV_FILE": "/nonexistent",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_pages_carry_a_content_security_policy(client, agent):  # an agent: /login/ is not first run
    response = client.get("/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_https_request_gets_hsts_and_secure_cookies(client, settings, agent):  # an agent: not first run
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.CSRF_COOKIE_SECURE = True
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["csrftoken"]["secure"] is True


TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "resonanz").glob("**/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_need_no_inline_script(template):
    """The policy forbids inline scripts and on…= handlers: a template with one breaks in the browser."""
    text = template.read_text()
    assert not INLINE_SCRIPT.findall(text), "move the script into a static .js file"
    assert not EVENT_HANDLER.findall(text), "attach the handler from a static .js file"


def test_init_creates_a_private_data_directory_and_database(tmp_path):
    data_dir = tmp_path / "data"
    env = {**CLEAN, "RESONANZ_DATA_DIR": str(data_dir), "RESONANZ_ENV_FILE": "/nonexistent"}
    result = subprocess.run([RESONANZ, "init"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    database = data_dir / "resonanz.sqlite3"
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists() or path == database:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
