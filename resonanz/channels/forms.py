"""The settings form of a channel account, generated from its channel's typed configuration
(`ChannelSpec.config` in the package's `channel.py`): one form field per config field, secrets as
write-only password fields that are never rendered back. The form only carries the values; checking them
is the settings action's (`clean_config`, on every save), whose error names the field it puts on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resonanz.channels.config import BOOL, CHOICE, ConfigField, fields_of
from resonanz.channels.models import ChannelAccount


def _form_field(field: ConfigField, account: ChannelAccount | None) -> forms.Field:
    label = f"{field.label} *" if field.required and field.type not in (BOOL,) else str(field.label)
    if field.type == BOOL:
        return forms.BooleanField(label=field.label, required=False)
    if field.type == CHOICE:
        return forms.ChoiceField(label=field.label, choices=[(c, c) for c in field.choices], required=False)
    if field.secret:
        is_set = account is not None and (
            bool(account.secret) if field.key == "secret" else bool(account.config.get(field.key))
        )
        placeholder = _("•••• gesetzt – leer lassen, um es zu behalten") if is_set else (field.help or "")
        return forms.CharField(
            label=label,
            required=False,
            strip=False,
            widget=forms.PasswordInput(
                render_value=False, attrs={"autocomplete": "new-password", "placeholder": placeholder}
            ),
        )
    hint = " ".join(
        str(part) for part in (field.default if field.default is not None else "", field.help) if part
    )
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.TextInput(attrs={"placeholder": hint})
    )


def _shown(value: Any) -> Any:
    return ", ".join(str(item) for item in value) if isinstance(value, list) else value


class ChannelAccountForm(forms.Form):
    """The name and the kind's configuration fields; ``values()`` is what the settings actions take."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)

    def __init__(
        self, kind: str, data: Any = None, *, account: ChannelAccount | None = None, **kwargs: Any
    ) -> None:
        super().__init__(data, auto_id="f-%s", **kwargs)
        self.kind = kind
        self.account = account
        self.config_fields = fields_of(kind)
        self.fields["name"].widget.attrs.update({"required": True, "maxlength": 120})
        self.initial["name"] = account.name if account is not None else ""
        for field in self.config_fields:
            self.fields[field.key] = _form_field(field, account)
            if field.secret:
                continue
            if account is not None:
                self.initial[field.key] = _shown(account.config.get(field.key, ""))
            elif field.type in (BOOL, CHOICE) and field.default is not None:
                self.initial[field.key] = field.default

    def values(self) -> dict[str, Any]:
        """The posted configuration: every bool (unticked is false), every other field that was sent."""
        values: dict[str, Any] = {}
        for field in self.config_fields:
            if field.type == BOOL:
                values[field.key] = self.data.get(field.key) in ("on", "true", "True", "1")
            elif field.key in self.data:
                values[field.key] = self.data.get(field.key, "")
        return values

    def posted_name(self, default: str = "") -> str:
        """The name as posted; ``default`` when it was not posted at all."""
        return str(self.data.get("name", default))

    def refuse(self, message: str) -> None:
        """Show the settings action's refusal on the field it names ("url: not an http(s) URL"), else on
        the form."""
        if not hasattr(self, "cleaned_data"):
            self.full_clean()
        key = message.split(":", 1)[0].strip()
        self.add_error(key if key in self.fields else None, message)
