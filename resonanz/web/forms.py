"""Django forms for the agent UI's posts: each view reads its input through one of these, never from
``request.POST`` directly. They parse and coerce only; what is allowed is the actions' business (their
InvalidInput messages are what the agent sees), so every field is optional and text is kept as typed.
The channel account settings form is generated from the channel's configuration schema elsewhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict


def read(form_class: type[forms.Form], data: QueryDict) -> dict[str, Any]:
    """The cleaned input (these forms accept anything: fields are optional and coerce leniently)."""
    form = form_class(data)
    if not form.is_valid():  # cannot happen with the fields below; a new field that can fail must say how
        raise ValueError(f"{form_class.__name__} refused its input: {form.errors.as_json()}")
    return form.cleaned_data


class _Text(forms.CharField):
    """Text as typed (no stripping: the action decides what is empty); never invalid (no validators: a NUL
    character reaches the action as before, which decides)."""

    def __init__(self, *, strip: bool = False, **kwargs: Any) -> None:
        super().__init__(required=False, strip=strip, **kwargs)
        self.validators = []


class _Choice(_Text):
    """A value the action checks against its choices; missing is ""."""


class _Ids(forms.Field):
    """Repeated ``name=<id>`` values; anything that is not a number is dropped."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[int]:
        return [int(v) for v in (value or []) if isinstance(v, str) and v.isdigit()]


class TextForm(forms.Form):
    """An internal note or a call note."""

    text = _Text()


class ReplyForm(forms.Form):
    text = _Text()
    private = _Choice()  # "1": a private answer
    idempotency_key = _Choice()

    def clean_private(self) -> bool:
        return bool(self.cleaned_data.get("private") == "1")


class StatusForm(forms.Form):
    status = _Choice()


class TransferForm(forms.Form):
    """``to`` is "agent:<id>" or "team:<id>"; ``note`` says why."""

    to = _Choice()
    note = _Text(strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, _sep, raw_id = data.get("to", "").partition(":")
        data["kind"] = kind
        data["target_id"] = int(raw_id) if raw_id.isdigit() else 0
        return data


class PriorityForm(forms.Form):
    priority = _Choice()

    def clean_priority(self) -> int:
        raw = self.cleaned_data.get("priority", "")
        return int(raw) if raw.lstrip("-").isdigit() else -1


class LabelForm(forms.Form):
    """A one-click correction of an annotation."""

    label = _Choice()


class RelevanceForm(forms.Form):
    relevant = _Choice()  # "true" or "false"


class BulkForm(forms.Form):
    id = _Ids()
    action = _Choice()  # "assign" or "status"
    agent = _Choice()
    status = _Choice()
    next = _Choice()

    def clean_agent(self) -> int:
        raw = self.cleaned_data.get("agent", "")
        return int(raw) if raw.isdigit() else 0


class MergeForm(forms.Form):
    """The number of the customer to merge in, as shown ("#123" or "123")."""

    source_customer_id = _Text(strip=True)

    def clean_source_customer_id(self) -> int | None:
        raw = self.cleaned_data.get("source_customer_id", "").lstrip("#")
        return int(raw) if raw.isdigit() else None


class DecisionForm(forms.Form):
    decision = _Choice()  # "accept", else reject


class MarkReadForm(forms.Form):
    id = _Ids()


class DevInjectForm(forms.Form):
    """The dev panel: a message as a fake channel's platform would deliver it."""

    account = _Text(strip=True)
    handle = _Text(strip=True)
    name = _Text(strip=True)
    text = _Text()
    reply_to = _Text(strip=True)
    postal_code = _Text(strip=True)
