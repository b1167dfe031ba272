"""`resonanz run` serves every request on whichever process is free (decision 0853)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command

RESONANZ = str(Path(sys.executable).parent / "resonanz")


@pytest.mark.django_db  # the server asks whether the database is up to date before it starts
def test_the_server_closes_each_connection_so_requests_spread_over_its_processes(monkeypatch):
    """With keep-alive a client's connection stays with the process that accepted it: four agents' browsers
    on two processes were often three on one (one core busy behind its GIL, the other idle). Closed after
    each answer, the next request goes to the process that accepts it first: a free one."""
    from gunicorn.app.base import BaseApplication

    seen: dict[str, Any] = {}

    def record(application: Any) -> None:
        seen.update(
            keepalive=application.cfg.keepalive,
            workers=application.cfg.workers,
            worker_class=application.cfg.worker_class_str,
        )

    monkeypatch.setattr(BaseApplication, "run", record)
    # Only the server's configuration is asked here, not whether these settings may serve (their own tests).
    monkeypatch.setattr("resonanz.cli.management.commands.run.check_serving_settings", lambda: None)
    call_command("run", "web", "--workers", "2")
    assert seen == {"keepalive": 0, "workers": 2, "worker_class": "gthread"}


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="embedded mode: runs in the SQLite pass")
def test_a_first_start_without_init_migrates_and_a_scale_out_role_refuses(tmp_path):
    """`resonanz run` on an empty data folder crashed in its workers ("no such table"): the all-in-one
    server now brings the database up to date first; `run web` refuses with what to do (decision 0875)."""
    env = dict(os.environ, RESONANZ_DATA_DIR=str(tmp_path), RESONANZ_LOG_LEVEL="WARNING")
    for key in ("DATABASE_URL", "BROKER_URL", "RESONANZ_QUEUE"):
        env.pop(key, None)
    refused = subprocess.run([RESONANZ, "run", "web"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "run `resonanz migrate` once" in refused.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [RESONANZ, "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and server.poll() is None and status != 200:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code
            except httpx.HTTPError:
                time.sleep(0.2)
        assert status == 200, server.stderr.read() if server.poll() is not None else "no answer"
        assert httpx.get(f"http://127.0.0.1:{port}/login/", timeout=5).status_code in (200, 302)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "database brought up to date" in output
