"""Comparing secrets (signatures, tokens) that arrive in headers and query strings."""

from __future__ import annotations

import hmac


def constant_time_equal(expected: str, given: str) -> bool:
    """Whether ``given`` equals ``expected``, in constant time, for any text an outsider may send.

    `hmac.compare_digest` raises TypeError on a str with non-ASCII characters (a 500 for a header like
    ``sha256=ä``); as bytes, any text compares and is simply unequal."""
    return hmac.compare_digest(expected.encode("utf-8", "replace"), given.encode("utf-8", "replace"))
