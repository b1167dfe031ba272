"""The dummy platform's own endpoint: it says "new messages wait" and we poll at once (as IMAP IDLE does)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from resonanz.channels.access import channel_account_for_webhook
from resonanz.channels.base import SignatureInvalid
from resonanz.channels.registry import get_adapter
from resonanz.core.errors import NotFound, ResonanzError
from resonanz.core.queue import enqueue
from tests.channels.dummy_channel.tasks import POLLER


@csrf_exempt
@require_POST
def waiting(request: HttpRequest, account_id: int) -> HttpResponse:
    try:
        account = channel_account_for_webhook(account_id)
    except NotFound:
        return HttpResponse(status=404)
    except ResonanzError:
        return HttpResponse(status=403)  # disabled
    if account.kind != "dummy":
        return HttpResponse(status=404)
    try:
        get_adapter("dummy").verify_request(account, request)
    except SignatureInvalid:
        return HttpResponse(status=401)
    enqueue(POLLER.task_name, account.pk)
    return HttpResponse(status=202)
