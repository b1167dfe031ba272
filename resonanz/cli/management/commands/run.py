"""`resonanz run [all|web|worker|scheduler]`.

``all`` (default, embedded mode): gunicorn processes (one per core, at most two by default) that each serve
the web and run an in-process worker; one of them also runs the scheduler. Scale-out: ``run web`` (any number), ``run worker`` (Celery, any number),
``run scheduler`` (exactly one)."""

from __future__ import annotations

import fcntl
import os
import signal
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from resonanz.core import encryption
from resonanz.core.keyfiles import tighten

_scheduler_lock: Any = None
# When this server started (set before gunicorn forks): in embedded mode every worker that claimed events
# before then is dead, so its claims are released at once instead of after the lease (decision 0521).
_server_started_at: Any = None


def _start_background() -> None:
    """In each embedded web process: a worker thread for the tasks this process enqueues. The process that
    wins a lock file in the data directory also runs the scheduler (sweepers, pollers): exactly one does."""
    global _scheduler_lock
    from resonanz.channels.ingest import release_dead_claims, sweep_pending
    from resonanz.core import queue
    from resonanz.core.scheduler import SchedulerThread
    from resonanz.core.warmup import warm_up

    warm_up()  # before this process accepts requests or work (decision 0876)
    queue.worker.start()
    lock = open(settings.DATA_DIR / "scheduler.lock", "w")  # noqa: SIM115 (held for the process's life)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return
    _scheduler_lock = lock
    SchedulerThread().start()
    if _server_started_at is not None:
        release_dead_claims(_server_started_at)
    sweep_pending(older_than_seconds=0)  # pick up what the last run left pending


def check_serving_settings() -> None:
    """Refuse to serve with a key nobody else shares, and keep the embedded data private (issue 10)."""
    if settings.SIGNING_KEY_SOURCE == "missing":
        raise CommandError(
            f"refusing to start: {settings.SIGNING_KEY_PROBLEM}. Set RESONANZ_SECRET_KEY, for example to the "
            "output of: python -c 'import secrets; print(secrets.token_urlsafe(50))' (see docs/configuration.md)"
        )
    if settings.IS_SQLITE:
        # Data directories and databases made before files were created private (0700 / 0600).
        database = Path(str(settings.DATABASES["default"]["NAME"]))
        for path in (settings.DATA_DIR, database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            tighten(path)


class Command(BaseCommand):
    help = "Run Resonanz: all-in-one (embedded), or the web, a worker or the scheduler (scale-out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", nargs="?", default="all", choices=["all", "web", "worker", "scheduler"])
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "0")))
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        if role in ("all", "web"):
            check_serving_settings()
        try:
            encryption.check_keys()  # every role reads stored credentials
        except ImproperlyConfigured as error:
            raise CommandError(f"refusing to start: {error}") from error
        self._migrated(role)
        if role == "worker":
            self._worker(options)
        elif role == "scheduler":
            self._scheduler()
        else:
            self._web(options, embedded=role == "all")

    def _migrated(self, role: str) -> None:
        """The all-in-one server brings its database up to date before its processes start (a first start
        without `resonanz init`, or the first after an upgrade); one process does it, before the others
        fork. A scale-out role refuses instead: several of them start at once, and one migration run belongs
        before all of them (`resonanz migrate`). Decision 0875."""
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not pending:
            return
        if role != "all":
            raise CommandError(
                f"the database lacks {len(pending)} migrations: run `resonanz migrate` once (or `resonanz init` "
                f"on a new installation) before starting `resonanz run {role}`"
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"database brought up to date ({len(pending)} migrations applied)")

    def _web(self, options: dict[str, Any], *, embedded: bool) -> None:
        from gunicorn.app.base import BaseApplication

        from resonanz.wsgi import application

        if embedded and settings.QUEUE_BACKEND == "celery":
            raise CommandError(
                "`run` (all-in-one) is the embedded mode; with BROKER_URL use `run web` + `run worker`"
            )
        workers = options["workers"] or min(2, os.cpu_count() or 1)
        config = {
            "bind": f"{options['host']}:{options['port']}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": options["threads"],
            "timeout": 120,
            "graceful_timeout": 20,
            # Each answer closes its connection: a kept-alive connection stays with the process that accepted
            # it, and a few busy clients then share one process (one core, its GIL) while the other idles. A
            # new connection goes to the process that accepts first, a free one (decision 0853).
            "keepalive": 0,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        }
        if embedded:
            global _server_started_at
            from django.utils import timezone

            _server_started_at = timezone.now()
            config["post_worker_init"] = lambda worker: _start_background()

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        mode = "embedded (web + worker + scheduler)" if embedded else "web"
        self.stdout.write(f"Resonanz {mode} on http://{config['bind']}/  data: {settings.DATA_DIR}")
        Server().run()

    def _worker(self, options: dict[str, Any]) -> None:
        if settings.QUEUE_BACKEND != "celery":
            raise CommandError(
                "`run worker` needs BROKER_URL (scale-out mode); embedded mode runs `resonanz run`"
            )
        from resonanz.core.celery_app import app

        app.worker_main(
            [
                "worker",
                f"--concurrency={options['concurrency']}",
                "--loglevel=INFO",
                f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE}",
                "--without-gossip",
                "--without-mingle",
            ]
        )

    def _scheduler(self) -> None:
        from resonanz.core.scheduler import SchedulerThread

        thread = SchedulerThread()
        signal.signal(signal.SIGTERM, lambda *_: thread.stop())
        thread.start()
        self.stdout.write("scheduler running; stop with Ctrl-C")
        try:
            while thread.is_alive():
                thread.join(1)
        except KeyboardInterrupt:
            thread.stop()
        sys.exit(0)
