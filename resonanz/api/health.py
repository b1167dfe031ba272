"""GET /healthz: is the database reachable, how full is the queue, how much is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from resonanz import __version__
from resonanz.channels.models import InboundEvent, OutboundDelivery
from resonanz.conversations.models import Conversation, Message
from resonanz.core import queue


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, object] = {
        "version": __version__,
        "mode": "embedded" if settings.IS_SQLITE else "scale-out",
    }
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = {"ok": True, "vendor": connection.vendor}
        body["counts"] = {
            "messages": Message.objects.count(),
            "conversations": Conversation.objects.count(),
            "events_pending": InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).count(),
            "events_failed": InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).count(),
            # Pending after an error, waiting for their backoff (`resonanz events retry` makes them due).
            "events_retrying": InboundEvent.objects.filter(
                status=InboundEvent.Status.PENDING, next_attempt_at__isnull=False
            ).count(),
            "deliveries_failed": OutboundDelivery.objects.filter(
                status=OutboundDelivery.Status.FAILED
            ).count(),
        }
    except Exception as error:
        healthy = False
        body["database"] = {"ok": False, "error": str(error)}
    queue_info: dict[str, object] = {"backend": settings.QUEUE_BACKEND}
    if settings.QUEUE_BACKEND == "inprocess":
        queue_info["worker_running"] = queue.worker.running
        queue_info["depth"] = queue.queue_depth()
    elif settings.QUEUE_BACKEND == "celery":
        try:
            import redis

            if settings.BROKER_URL.startswith("redis"):
                client = redis.Redis.from_url(settings.BROKER_URL, socket_timeout=1)
                queue_info["depth"] = client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)
            queue_info["ok"] = True
        except Exception as error:
            queue_info["ok"] = False
            queue_info["error"] = str(error)
            healthy = False
    body["queue"] = queue_info
    body["ok"] = healthy
    return JsonResponse(body, status=200 if healthy else 503)
