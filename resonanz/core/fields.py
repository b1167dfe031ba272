"""Model fields that keep credentials encrypted at rest (resonanz.core.encryption).

Code reads and writes plain values; only the database sees `fernet:…`. Encryption is not deterministic, so
these values cannot be looked up by equality: nothing filters on a credential.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from resonanz.core.encryption import decrypt, encrypt, is_secret_name


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored encrypted; empty stays empty."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) and value else value


class ConfigWithSecretsField(models.JSONField):  # type: ignore[type-arg]
    """A JSON object whose credential entries (keys ending in password, token, secret, api_key,
    private_key) are stored encrypted; everything else stays plain and can still be queried
    (`config__imitates="x"`)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            return {
                key: decrypt(item) if is_secret_name(key) and isinstance(item, str) else item
                for key, item in value.items()
            }
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            value = {
                key: encrypt(item) if is_secret_name(key) and isinstance(item, str) else item
                for key, item in value.items()
            }
        return super().get_prep_value(value)
