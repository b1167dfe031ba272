"""Django forms for the web pages' posts: each view reads its input through one of these, never from
``request.POST`` directly. They parse and coerce only; what is allowed is the actions' business (their
InvalidInput messages are what the agent sees), so every field is optional and text is kept as typed.
A field that cannot be parsed at all (an id that is not a number, a time that is not a time) refuses:
``read`` raises InvalidInput with the field's message, which resonanz/web/errors.py turns into a 400, and
the view shows its page again with ``typed(...)``, so nothing that was typed is lost (decision 0803).
The channel account settings form is generated from the channel's configuration schema elsewhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from resonanz.core.errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest primary key: a longer number would fail in the database, not here


def read(form_class: type[forms.Form], data: QueryDict, **kwargs: Any) -> dict[str, Any]:
    """The cleaned input. Most fields accept anything; one that cannot parse its value refuses with
    InvalidInput and the field's message (the first such field's)."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise InvalidInput(str(next(iter(form.errors.values()))[0]))
    return form.cleaned_data


def typed(form_class: type[forms.Form], data: QueryDict, **kwargs: Any) -> dict[str, Any]:
    """What was posted for the form's fields, as typed (text; a list for repeated values), to show the form
    again after a refusal. A field that was not posted is left out (templates ask ``"name" in form``)."""
    form = form_class(data, **kwargs)
    return {name: form[name].data for name in form.fields if name in data}


def _whole(raw: str) -> int | None:
    """A whole number written with the digits 0-9 (``"²".isdigit()`` is true, but int() refuses it)."""
    digits = raw[1:] if raw.startswith("-") else raw
    return int(raw) if digits.isascii() and digits.isdigit() else None


def _as_id(raw: str) -> int | None:
    number = _whole(raw)
    return number if number is not None and 0 <= number <= MAX_ID else None


class _Text(forms.CharField):
    """Text as typed (no stripping: the action decides what is empty); never invalid (no validators: a NUL
    character reaches the action as before, which decides)."""

    def __init__(self, *, strip: bool = False, **kwargs: Any) -> None:
        super().__init__(required=False, strip=strip, **kwargs)
        self.validators = []


class _Choice(_Text):
    """A value the action checks against its choices; missing is ""."""


class _Optional(_Text):
    """Text as typed, but None when the field was not posted at all (the action then leaves it alone, or
    the form puts its default there)."""

    def to_python(self, value: Any) -> str | None:
        return None if value is None else str(value)


class _Id(forms.Field):
    """The number of a row (an incident, an answer, a version): None when missing or empty; anything else
    that is not a number refuses with ``invalid`` (what to do about it, in the person's words)."""

    def __init__(self, *, invalid: Any, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.error_messages["invalid"] = invalid

    def to_python(self, value: Any) -> int | None:
        raw = value.strip() if isinstance(value, str) else ""
        if not raw:
            return None
        number = _as_id(raw)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class _Ids(forms.Field):
    """Repeated ``name=<id>`` values; anything that is not a number is dropped, or refuses with ``invalid``
    where one is given (a choice that silently shrank would do less than was asked)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, invalid: Any = None, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)
        self.invalid = invalid

    def to_python(self, value: Any) -> list[int]:
        values = [v for v in (value or []) if isinstance(v, str)]
        ids = [number for v in values if (number := _as_id(v)) is not None]
        if self.invalid is not None and len(ids) != len(values):
            raise ValidationError(self.invalid, code="invalid")
        return ids


class _DateTime(forms.DateTimeField):
    """A date and time as a ``datetime-local`` input sends it ("2026-12-07T22:00") or as typed in the
    language's format ("07.12.2026 22:00"); without a zone it is in the current time zone."""

    def __init__(self, *, missing: Any, invalid: Any, **kwargs: Any) -> None:
        super().__init__(required=True, **kwargs)
        self.error_messages.update({"required": missing, "invalid": invalid})


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
        data["target_id"] = _as_id(raw_id) or 0
        return data


class PriorityForm(forms.Form):
    priority = _Choice()

    def clean_priority(self) -> int:
        number = _whole(self.cleaned_data.get("priority", ""))
        return -1 if number is None else number


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
        return _as_id(self.cleaned_data.get("agent", "")) or 0


class MergeForm(forms.Form):
    """The number of the customer to merge in, as shown ("#123" or "123")."""

    source_customer_id = _Text(strip=True)

    def clean_source_customer_id(self) -> int | None:
        return _as_id(self.cleaned_data.get("source_customer_id", "").lstrip("#"))


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
def as_strings(posted: dict[str, Any]) -> dict[str, str]:
    """What was typed, to show the form again after an error: only text (a missing optional is left out)."""
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def _number(raw: str) -> int:
    return _as_id(raw) or 0


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
    return _as_id(raw)


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


# --- Incidents and announcements ------------------------------------------------------------------------------
class IncidentActionForm(forms.Form):
    """One of the incident page's forms; ``action`` says which (confirm, dismiss, update, note, rename,
    merge, split). ``notify`` is on unless posted otherwise: the page sends a hidden "off" before its box, since an
    unticked box is not posted at all."""

    action = _Choice()
    status = _Choice()
    public_text = _Text()
    notify = _Optional()
    internal_note = _Text()
    other = _Id(invalid=_("Bitte eine Störung zum Zusammenführen wählen."))
    conversation_ids = _Ids(invalid=_("Abspalten: bitte Gespräche aus der Liste wählen."))
    title = _Text()
    public_title = _Text()

    def clean_notify(self) -> bool:
        return self.cleaned_data.get("notify") in (None, "on")


class AnnouncementForm(forms.Form):
    """A maintenance window, outage notice or launch; ``regions`` separated by commas."""

    kind = _Optional()
    title = _Text()
    public_text = _Text()
    regions = _Text()
    starts_at = _DateTime(
        missing=_("Beginn: bitte Datum und Uhrzeit angeben."),
        invalid=_("Beginn: kein gültiges Datum mit Uhrzeit."),
    )
    ends_at = _DateTime(
        missing=_("Ende: bitte Datum und Uhrzeit angeben."),
        invalid=_("Ende: kein gültiges Datum mit Uhrzeit."),
    )
    publish = _Choice()  # "on": a checked box

    def clean_kind(self) -> str:
        kind = self.cleaned_data.get("kind")
        return "maintenance" if kind is None else kind

    def clean_regions(self) -> list[str]:
        return [region for region in self.cleaned_data.get("regions", "").split(",") if region.strip()]

    def clean_publish(self) -> bool:
        return bool(self.cleaned_data.get("publish") == "on")


# --- The community forum (public) and its moderation (agents) ---------------------------------------------
class AskForm(forms.Form):
    """A visitor's question; ``visit`` ties the question to the matches shown while typing."""

    nickname = _Text()
    email = _Text()
    title = _Text()
    body = _Text()
    category = _Text()
    visit = _Choice()


class AnswerForm(forms.Form):
    nickname = _Text()  # a visitor's; a signed-in member posts under their own
    body = _Text()


class VoteForm(forms.Form):
    value = _Optional()  # "1" (or missing): helpful; anything else: not helpful

    def clean_value(self) -> int:
        return 1 if self.cleaned_data.get("value") in (None, "1") else -1


class MemberModerationForm(forms.Form):
    """A community moderator's button under a question or an answer."""

    action = _Choice()
    answer = _Id(invalid=_("Antwort nicht gefunden – bitte die Seite neu laden."))


class ModerationForm(forms.Form):
    """The agents' moderation queue: a held ``answer`` (approve_answer, hide_answer) or a ``question``
    (approve, hide_question, lock, ban its author)."""

    action = _Choice()
    answer = _Id(invalid=_("Antwort nicht gefunden – bitte die Seite neu laden."))
    question = _Id(invalid=_("Frage nicht gefunden – bitte die Seite neu laden."))


class NextForm(forms.Form):
    """Where to go after signing in (checked by the view: a path on this site)."""

    weiter = _Choice()


class LoginLinkForm(forms.Form):
    """Asking for a sign-in link (at most 254 characters each are used)."""

    email = _Text()
    nickname = _Text()


# --- Knowledge: the help centre's feedback (public) and articles (agents) -----------------------------------
class _YesNo(_Choice):
    def to_python(self, value: Any) -> str:
        answer = super().to_python(value)
        if answer not in ("yes", "no"):
            raise ValidationError(_("Bitte „Ja“ oder „Nein“ wählen."), code="invalid")
        return str(answer)


class HelpFeedbackForm(forms.Form):
    """ "Did this help?" under a public article."""

    helpful = _YesNo()
    comment = _Text()

    def clean_helpful(self) -> bool:
        return bool(self.cleaned_data.get("helpful") == "yes")


class ArticleForm(forms.Form):
    """A new article or a new version of one (``base_version``: the version the agent started from; a
    language, visibility or status not posted is the new article's default)."""

    title = _Text()
    body = _Text()
    language = _Optional()
    slug = _Text()
    category = _Text()
    visibility = _Optional()
    status = _Optional()
    video_url = _Text()
    video_transcript = _Text()
    base_version = _Id(invalid=_("Version unbekannt"))
