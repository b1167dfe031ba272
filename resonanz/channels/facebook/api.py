"""Facebook-only API: hiding a customer's comment on the page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from resonanz.channels.facebook.actions import do_hide_facebook_comment
from resonanz.conversations.models import Message
from resonanz.core.errors import NotFound
from resonanz.core.schemas import ErrorOut
from resonanz.workspaces.auth import agent_of, auth

router = Router(tags=["facebook"], auth=auth)


class HiddenOut(Schema):
    delivery_id: int
    status: str


@router.post(
    "/messages/{message_id}/hide",
    response={202: HiddenOut, 400: ErrorOut, 404: ErrorOut},
    summary="Hide a Facebook comment on the page",
    description="Queues hiding the comment (POST /{comment-id} is_hidden=true); hiding twice is one delivery.",
)
def hide_comment(request: HttpRequest, message_id: int) -> tuple[int, dict[str, object]]:
    agent = agent_of(request)
    message = (
        Message.objects.select_related("channel_account")
        .filter(workspace_id=agent.workspace_id, pk=message_id)
        .first()
    )
    if message is None:
        raise NotFound(_("Nachricht %(message_id)s nicht gefunden") % {"message_id": message_id})
    delivery = do_hide_facebook_comment(agent, message)
    delivery.refresh_from_db(fields=["status"])
    return 202, {"delivery_id": delivery.pk, "status": delivery.status}
