"""Phone numbers as customers' identities: one normal form (E.164) for every number we store or look up."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _

from resonanz.core.errors import InvalidInput

DEFAULT_REGION = "DE"
MIN_DIGITS = 5


def normalize_number(raw: str, region: str = DEFAULT_REGION) -> str:
    """``"0221 1234567"`` → ``"+492211234567"`` (E.164, German numbers without a country code).

    Raises InvalidInput for anything that is not a possible phone number."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        raise InvalidInput(_("Die Nummer ist leer oder zu lang"))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(_("Keine Telefonnummer: %(error)s") % {"error": error}) from None
    # Possible rather than valid: a number from a range assigned after our metadata was built still
    # works; short service numbers (110, 112) never identify a customer.
    if not phonenumbers.is_possible_number(parsed) or len(str(parsed.national_number)) < MIN_DIGITS:
        raise InvalidInput(_("Keine mögliche Telefonnummer"))
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
