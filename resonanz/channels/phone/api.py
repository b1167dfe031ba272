"""POST /api/conversations/{id}/call-notes: an agent's note on a phone call."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from resonanz.channels.phone.actions import do_add_call_note
from resonanz.conversations.access import access_conversation_by_id, messages_of
from resonanz.conversations.models import Message
from resonanz.conversations.schemas import MessageOut
from resonanz.core.schemas import ErrorOut
from resonanz.workspaces.auth import agent_of, auth


class CallNoteIn(Schema):
    text: str
    call_id: str = ""


call_notes_router = Router(tags=["telephony"], auth=auth)


@call_notes_router.post(
    "/{conversation_id}/call-notes",
    response={201: MessageOut, 400: ErrorOut, 404: ErrorOut},
    summary="Write down what was said on a call (an internal note)",
)
def post_call_note(request: HttpRequest, conversation_id: int, body: CallNoteIn) -> tuple[int, Message]:
    agent = agent_of(request)
    conversation = access_conversation_by_id(agent, conversation_id)
    message = do_add_call_note(agent, conversation, body.text, call_id=body.call_id)
    return 201, messages_of(conversation).get(pk=message.pk)
