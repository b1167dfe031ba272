"""Django forms for the agent UI's posts: each view reads its input through one of these, never from
``request.POST`` directly. They parse and coerce only; what is allowed is the actions' business (their
InvalidInput messages are what the agent sees), so every field is optional and text is kept as typed.
The channel account settings form is generated from the channel's configuration schema elsewhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict


def read(form_class: type[forms.Form], data: QueryDict, **kwargs: Any) -> dict[str, Any]:
    """The cleaned input (these forms accept anything: fields are optional and coerce leniently)."""
    form = form_class(data, **kwargs)
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


# --- Settings ---------------------------------------------------------------------------------------------
class _Optional(_Text):
    """Text as typed, but None when the field was not posted at all (the action then leaves it alone)."""

    def to_python(self, value: Any) -> str | None:
        return None if value is None else str(value)


def as_strings(posted: dict[str, Any]) -> dict[str, str]:
    """What was typed, to show the form again after an error: only text (a missing optional is left out)."""
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() else 0


class AgentForm(forms.Form):
    """Creating, inviting or editing an agent. Missing role, languages, display name and presence are None:
    the create view puts its defaults there, the edit view leaves them unchanged. ``capacity`` stays text
    (the views decide the default and say when it is not a number)."""

    username = _Text()
    display_name = _Optional()
    email = _Text()
    password = _Text()
    role = _Optional()
    languages = _Optional()
    capacity = _Text()
    presence = _Optional()
    active = _Choice()  # "on": a checked box
    invite = _Choice()  # set: send an invitation instead of setting a password
    teams = _Ids()
    skills = _Ids()


class TokenForm(forms.Form):
    """A new API token; ``expires`` stays text (the view says when it is not a number of days)."""

    name = _Text()
    agent = _Choice()
    scope = _Text()
    channel = _Choice()
    expires = _Choice()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["agent_id"] = _number(data.get("agent", ""))
        return data


class WorkspaceForm(forms.Form):
    """The workspace settings; business hours come as one ``hours_<day>`` field per weekday (the caller
    passes the days). The numbers stay text: the view and the action parse them and say what is wrong."""

    name = _Text()
    languages = _Text()
    federal_state = _Text()
    time_zone = _Text()
    closed_days = _Text()
    signature_style = _Text()
    private_terms = _Text()
    response_rate_threshold = _Text()
    response_target_minutes = _Text()
    response_rate_min_posts = _Text()

    def __init__(self, data: QueryDict, *, weekdays: tuple[str, ...]) -> None:
        super().__init__(data)
        for day in weekdays:
            self.fields[f"hours_{day}"] = _Text()


class FirstRunForm(forms.Form):
    company = _Text(strip=True)
    username = _Text(strip=True)
    password = _Text()
    password_again = _Text()


class PasswordForm(forms.Form):
    """Accepting an invitation: the password twice."""

    password = _Text()
    password_again = _Text()


class PresenceForm(forms.Form):
    """The header switch (``next``: where to go back) or a lead switching a colleague (``agent``)."""

    presence = _Choice()
    next = _Choice()
    agent = _Choice()

    def clean_agent(self) -> int:
        return _number(self.cleaned_data.get("agent", ""))


class ActionForm(forms.Form):
    """A button that names what to do (a channel account's test, enable, disable, …)."""

    action = _Choice()


class _Strings(forms.Field):
    """Repeated values (ticked boxes), as typed; the action checks them against its choices."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [v for v in (value or []) if isinstance(v, str)]


def _id_or_none(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


class RuleTargetForm(forms.Form):
    """Which routing rule a post changes (None: a new rule); the rule's fields are the routing RuleForm's."""

    rule = _Choice()

    def clean_rule(self) -> int | None:
        return _id_or_none(self.cleaned_data.get("rule", ""))


# --- Settings → Themen, Textbausteine, SLAs -----------------------------------------------------------------
class TopicForm(forms.Form):
    name = _Text()
    slug = _Text()
    description = _Text()
    example_phrases = _Text()
    is_private = _Choice()  # "on": a checked box
    skill_hint = _Text()
    name_en = _Text()
    is_failure_demand = _Choice()  # "on": a checked box


class MacroForm(forms.Form):
    """A macro; ``macro`` names the one edited (None: a new macro)."""

    name = _Text()
    language = _Text()
    text = _Text()
    channel_kinds = _Strings()
    macro = _Choice()

    def clean_macro(self) -> int | None:
        return _id_or_none(self.cleaned_data.get("macro", ""))


class SlaForm(forms.Form):
    """An SLA policy; the numbers stay text (the view says when they are not whole minutes)."""

    channel_kind = _Text()
    priority = _Text()
    first_response_minutes = _Text()
    resolution_minutes = _Text()
    warn_before_minutes = _Text()
