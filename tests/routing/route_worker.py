"""A routing worker process for the concurrency test: ``python -m tests.routing.route_worker [--batch=N] ID…``.

Prints "ready" once Django is set up, waits for "go" on stdin (so all workers start together), routes
the given conversations in the given order (one at a time, or N per transaction as the after-ingest step
does) and prints "done"."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    from django.db import connection

    from resonanz.routing.actions import do_route_conversation, do_route_conversations

    batch = 1
    if argv and argv[0].startswith("--batch="):
        batch, argv = int(argv[0].removeprefix("--batch=")), argv[1:]
    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    ids = [int(conversation_id) for conversation_id in argv]
    if batch == 1:
        for conversation_id in ids:
            do_route_conversation(conversation_id, trigger="worker")
    else:
        for start in range(0, len(ids), batch):
            do_route_conversations(ids[start : start + batch], trigger="worker")
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
