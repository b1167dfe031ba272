"""The agent UI's forms parse posts exactly as the views did by hand; the actions keep deciding."""

from __future__ import annotations

from django.http import QueryDict

from resonanz.web.forms import (
    BulkForm,
    MarkReadForm,
    MergeForm,
    PriorityForm,
    ReplyForm,
    TextForm,
    TransferForm,
    read,
)


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_text_is_kept_as_typed_and_missing_is_empty():
    assert read(TextForm, q("text=%20%20Hallo%20"))["text"] == "  Hallo "
    assert read(TextForm, q(""))["text"] == ""
    assert read(TextForm, q("text=a%00b"))["text"] == "a\x00b"  # the action decides


def test_reply_private_only_for_1():
    assert read(ReplyForm, q("text=x&private=1&idempotency_key=k")) == {
        "text": "x",
        "private": True,
        "idempotency_key": "k",
    }
    assert read(ReplyForm, q("private=on"))["private"] is False


def test_transfer_target_and_note():
    posted = read(TransferForm, q("to=team:12&note=%20weil%20"))
    assert (posted["kind"], posted["target_id"], posted["note"]) == ("team", 12, "weil")
    assert read(TransferForm, q("to=agent:x"))["target_id"] == 0
    assert read(TransferForm, q(""))["kind"] == ""


def test_numbers_are_coerced_leniently():
    assert read(PriorityForm, q("priority=-1"))["priority"] == -1
    assert read(PriorityForm, q("priority=2"))["priority"] == 2
    assert read(PriorityForm, q("priority=hoch"))["priority"] == -1
    assert read(MergeForm, q("source_customer_id=%20%23123"))["source_customer_id"] == 123
    assert read(MergeForm, q("source_customer_id=abc"))["source_customer_id"] is None


def test_repeated_ids_drop_what_is_not_a_number():
    posted = read(BulkForm, q("id=3&id=x&id=5&action=assign&agent=7&next=/"))
    assert (posted["id"], posted["action"], posted["agent"], posted["next"]) == ([3, 5], "assign", 7, "/")
    assert read(MarkReadForm, q(""))["id"] == []
