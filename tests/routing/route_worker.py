"""A routing worker process for the concurrency test: ``python -m tests.routing.route_worker ID…``.

Prints "ready" once Django is set up, waits for "go" on stdin (so all workers start together), routes
the given conversations in the given order and prints "done"."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resonanz.settings")
    import django

    django.setup()
    from django.db import connection

    from resonanz.routing.actions import do_route_conversation

    connection.ensure_connection()
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    for conversation_id in argv:
        do_route_conversation(int(conversation_id), trigger="worker")
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
