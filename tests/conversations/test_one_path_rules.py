"""The one-by-one and the set-based ingest paths make the same customer from the same author."""

from __future__ import annotations

import datetime as dt

import pytest

from resonanz.conversations.inbound import _resolve_identities
from resonanz.conversations.normalized import NormalizedMessage
from resonanz.customers.actions import do_resolve_identity
from resonanz.customers.authors import Author

pytestmark = pytest.mark.django_db

PROFILE = {
    "email": "kim@example.de",
    "postal_code": "50667",
    "app_user_id": "u-4711",
    "vip": "true",
    "not_a_profile_field": "x",
}
FIELDS = (
    "display_name",
    "is_vip",
    "email",
    "phone",
    "postal_code",
    "city",
    "region",
    "language",
    "app_user_id",
)


def test_both_paths_store_the_same_profile(workspace):
    one = do_resolve_identity(
        workspace, Author(kind="app", handle="kim", display_name="Kim", profile=PROFILE)
    )
    batch = _resolve_identities(
        workspace.pk,
        [
            NormalizedMessage(
                external_id="m-1",
                author=Author(kind="app", handle="kim-2", display_name="Kim", profile=PROFILE),
                text="Hallo",
                created_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC),
            )
        ],
    )[("app", "kim-2")]
    assert {f: getattr(batch.customer, f) for f in FIELDS} == {f: getattr(one.customer, f) for f in FIELDS}
    assert batch.customer.app_user_id == "u-4711"


def _message(external_id, handle, *, reply_to="", hint=None, minute=0):
    return NormalizedMessage(
        external_id=external_id,
        author=Author(kind="x", handle=handle, display_name=handle.title()),
        text=f"Nachricht {external_id}",
        created_at=dt.datetime(2026, 12, 6, 10, minute, tzinfo=dt.UTC),
        is_public=True,
        reply_to_external_id=reply_to,
        conversation_hint_id=hint,
    )


def _one_by_one(account, items):
    from resonanz.conversations.actions import do_store_inbound_message

    return [do_store_inbound_message(account, item) for item in items]


def _batch(account, items):
    from resonanz.conversations.inbound import store_inbound_batch

    return store_inbound_batch(account, items)


def _projection():
    """What threading decided, independent of ids: per message its conversation (by the external id of the
    conversation's first message), parent, participant flag; per conversation status, count and timeline."""
    from resonanz.conversations.models import Conversation, Message, TimelineEntry

    first = {}
    for message in Message.objects.order_by("id"):
        first.setdefault(message.conversation_id, message.external_id)
    messages = [
        (m.external_id, first[m.conversation_id], m.reply_to.external_id if m.reply_to else "", m.extra)
        for m in Message.objects.select_related("reply_to").order_by("external_id")
    ]
    conversations = sorted(
        (
            first[c.pk],
            c.status,
            c.message_count,
            sorted(TimelineEntry.objects.filter(conversation=c).values_list("kind", flat=True)),
        )
        for c in Conversation.objects.all()
    )
    return messages, conversations


@pytest.mark.parametrize("together", [False, True], ids=["step by step", "in one batch"])
def test_both_paths_thread_the_same_way(fake_account, together):
    """The one-by-one path and the batch path follow the same rules (conversations/inbound_rules.py):
    replies join their parent's conversation (a bystander's as a participant), a customer's next message
    joins their open conversation, a reply reopens a solved one, a closed one is never joined again."""
    from resonanz.conversations.models import Conversation

    steps = [
        [_message("a1", "anna"), _message("b1", "bob", reply_to="a1", minute=1)],
        [_message("a2", "anna", minute=2), _message("c1", "carl", minute=3)],
    ]
    later = [
        _message("a3", "anna", reply_to="a2", minute=5),
        _message("c2", "carl", reply_to="c1", minute=6),
    ]
    outcomes = []
    for store in (_one_by_one, _batch):
        Conversation.objects.all().delete()
        for items in steps if not together else [[m for step in steps for m in step]]:
            store(fake_account, items)
        Conversation.objects.filter(messages__external_id="a1").update(status="solved")
        Conversation.objects.filter(messages__external_id="c1").update(status="closed")
        store(fake_account, later)
        assert store(fake_account, later) == [None, None]  # stored once
        outcomes.append(_projection())
    assert outcomes[0] == outcomes[1]
    messages, conversations = outcomes[1]
    assert [(m[0], m[1]) for m in messages] == [
        ("a1", "a1"),
        ("a2", "a1"),
        ("a3", "a1"),
        ("b1", "a1"),
        ("c1", "c1"),
        ("c2", "c2"),
    ]
    assert messages[3][3] == {"participant": True}
    assert [(c[0], c[1], c[2]) for c in conversations] == [
        ("a1", "open", 4),
        ("c1", "closed", 1),
        ("c2", "new", 1),
    ]
    assert "reopened" in conversations[0][3]
