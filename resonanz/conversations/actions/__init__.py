"""Writes on conversations and messages, by topic (issue 11.7). Views, tasks, the API and the CLI call these;
nothing else saves a conversation or a message. The public names are re-exported here, so callers import
them from `resonanz.conversations.actions` whatever module holds them:

- `messages`: an inbound message stored and threaded, an agent's message, SLA fields, answered
- `status`: a conversation's status
- `sla_watch`: SLA warnings and breaches on the timeline
- `notes`: internal notes, mentions, notifications
- `macros`: canned answers
"""

from resonanz.conversations.actions.macros import do_create_macro
from resonanz.conversations.actions.messages import (
    MAX_REPLY_LENGTH,
    StoredMessage,
    check_reply_text,
    do_apply_sla,
    do_mark_answered,
    do_store_inbound_message,
    inbound_sla_fields,
    new_agent_message,
    sla_fields,
    store_attachments,
)
from resonanz.conversations.actions.notes import (
    MENTION_PATTERN,
    do_add_note,
    do_mark_notifications_read,
    do_notify_agents,
    mentioned_usernames,
)
from resonanz.conversations.actions.sla_watch import do_record_sla_events
from resonanz.conversations.actions.status import do_change_status

__all__ = [
    "MAX_REPLY_LENGTH",
    "MENTION_PATTERN",
    "StoredMessage",
    "check_reply_text",
    "do_add_note",
    "do_apply_sla",
    "do_change_status",
    "do_create_macro",
    "do_mark_answered",
    "do_mark_notifications_read",
    "do_notify_agents",
    "do_record_sla_events",
    "do_store_inbound_message",
    "inbound_sla_fields",
    "mentioned_usernames",
    "new_agent_message",
    "sla_fields",
    "store_attachments",
]
