"""GET /healthz: a minimal public answer for probes, the details for whoever holds the health token.

Anyone gets `{"status": "ok"}` (200) or `{"status": "unavailable"}` (503) after one `SELECT 1` and a look at
the queue: no counts, no versions, no error texts, and no work that grows with the data, so a load balancer
may probe every second. With `Authorization: Bearer <RESONANZ_HEALTH_TOKEN>` the answer adds the version,
the mode, the database and queue state with their error texts, and counts of messages, conversations and
events. Those counts are reused for `HEALTH_COUNTS_SECONDS` (per process) unless `?fresh=1` asks for
exact ones now: counting a million messages is real work on PostgreSQL (decision 0541).
"""

from __future__ import annotations

import hmac
import threading
import time
from typing import Literal

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from ninja import Schema

from resonanz import __version__
from resonanz.channels.models import InboundEvent, OutboundDelivery
from resonanz.conversations.models import Conversation, Message
from resonanz.core import queue


class HealthOut(Schema):
    status: Literal["ok", "unavailable"]


class HealthDatabaseOut(Schema):
    ok: bool
    vendor: str
    error: str | None = None


class HealthQueueOut(Schema):
    backend: str
    ok: bool
    worker_running: bool | None = None
    depth: int | None = None
    error: str | None = None


class HealthCountsOut(Schema):
    messages: int
    conversations: int
    events_pending: int
    events_failed: int
    events_retrying: int
    deliveries_failed: int


class HealthDetailsOut(Schema):
    status: Literal["ok", "unavailable"]
    version: str
    mode: Literal["embedded", "scale-out"]
    database: HealthDatabaseOut
    queue: HealthQueueOut
    counts: HealthCountsOut | None = None
    counts_age_seconds: float | None = None


class HealthUnauthorizedOut(Schema):
    status: Literal["ok", "unavailable"]
    detail: str


_counts_lock = threading.Lock()
_counts_cache: tuple[float, dict[str, int]] | None = None


def forget_counts() -> None:
    global _counts_cache
    with _counts_lock:
        _counts_cache = None


def exact_counts() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "conversations": Conversation.objects.count(),
        "events_pending": InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count(),
        "events_failed": InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).count(),
        # Pending after an error, waiting for their backoff (`resonanz events retry` makes them due).
        "events_retrying": InboundEvent.objects.filter(
            status=InboundEvent.Status.PENDING, next_attempt_at__isnull=False
        ).count(),
        "deliveries_failed": OutboundDelivery.objects.filter(status=OutboundDelivery.Status.FAILED).count(),
    }


def recent_counts(*, fresh: bool) -> tuple[dict[str, int], float]:
    """The counts and their age in seconds; counted again when older than HEALTH_COUNTS_SECONDS."""
    global _counts_cache
    with _counts_lock:  # one counter at a time: concurrent probes wait for it instead of counting too
        now = time.monotonic()
        if fresh or _counts_cache is None or now - _counts_cache[0] > settings.HEALTH_COUNTS_SECONDS:
            _counts_cache = (now, exact_counts())
        counted_at, counts = _counts_cache
        return dict(counts), round(now - counted_at, 3)


def _database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}
    return {"ok": True, "vendor": connection.vendor}


def _queue() -> dict[str, object]:
    info: dict[str, object] = {"backend": settings.QUEUE_BACKEND, "ok": True}
    if settings.QUEUE_BACKEND == "inprocess":
        info["worker_running"] = queue.worker.running
        info["depth"] = queue.queue_depth()
    elif settings.QUEUE_BACKEND == "celery":
        try:
            import redis

            if settings.BROKER_URL.startswith("redis"):
                client = redis.Redis.from_url(settings.BROKER_URL, socket_timeout=1)
                info["depth"] = client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)
        except Exception as error:
            info["ok"] = False
            info["error"] = str(error)
    return info


def _token_presented(request: HttpRequest) -> bool | None:
    """None: no credentials sent. True: the health token. False: anything else, or no token configured."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, presented = header.partition(" ")
    expected = settings.HEALTH_TOKEN
    if scheme.lower() != "bearer" or not expected:
        return False
    # Bytes: compare_digest refuses non-ASCII str, and a header is whatever the client sent.
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    authorised = _token_presented(request)
    database = _database()
    queue_info = _queue()
    healthy = bool(database["ok"]) and bool(queue_info["ok"])
    status = "ok" if healthy else "unavailable"
    code = 200 if healthy else 503
    if authorised is None:
        return JsonResponse({"status": status}, status=code)
    if not authorised:
        response = JsonResponse({"status": status, "detail": "invalid health token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="healthz"'
        return response
    body: dict[str, object] = {
        "status": status,
        "version": __version__,
        "mode": "scale-out" if settings.SCALE_OUT else "embedded",
        "database": database,
        "queue": queue_info,
    }
    if database["ok"]:
        counts, age = recent_counts(fresh=request.GET.get("fresh") in ("1", "true"))
        body["counts"] = counts
        body["counts_age_seconds"] = age
    return JsonResponse(body, status=code)


def add_to_openapi(schema: dict[str, object]) -> None:
    """Describe GET /healthz in the API's schema, though it lives outside /api/ (probes expect it at the root)."""
    components = schema.setdefault("components", {})
    assert isinstance(components, dict)
    schemas = components.setdefault("schemas", {})
    for model in (HealthOut, HealthDetailsOut, HealthUnauthorizedOut):
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in {**found.pop("$defs", {}), model.__name__: found}.items():
            if schemas.get(name, definition) != definition:
                raise ValueError(f"two schemas are called {name}: rename the health one")
            schemas[name] = definition

    def answer(description: str, *names: str) -> dict[str, object]:
        refs: list[dict[str, object]] = [{"$ref": f"#/components/schemas/{name}"} for name in names]
        body: dict[str, object] = refs[0] if len(refs) == 1 else {"oneOf": refs}
        return {"description": description, "content": {"application/json": {"schema": body}}}

    paths = schema.setdefault("paths", {})
    assert isinstance(paths, dict)
    paths["/healthz"] = {
        "get": {
            "operationId": "resonanz_api_health_healthz",
            "summary": "Health of the database and the queue",
            "description": (
                'Without credentials only `{"status": …}`. With `Authorization: Bearer '
                "<RESONANZ_HEALTH_TOKEN>` also the version, mode, database and queue state with error texts, "
                "and counts (reused for RESONANZ_HEALTH_COUNTS_SECONDS; `fresh=1` counts now)."
            ),
            "tags": ["health"],
            "parameters": [
                {
                    "in": "query",
                    "name": "fresh",
                    "required": False,
                    "schema": {"type": "string", "enum": ["1", "true"]},
                    "description": "with the token: count now instead of reusing recent counts",
                }
            ],
            "responses": {
                "200": answer("healthy", "HealthOut", "HealthDetailsOut"),
                "401": answer("credentials sent, but not the health token", "HealthUnauthorizedOut"),
                "503": answer("the database or the queue is unavailable", "HealthOut", "HealthDetailsOut"),
            },
        }
    }
