"""`resonanz run` serves every request on whichever process is free (decision 0853)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command


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
