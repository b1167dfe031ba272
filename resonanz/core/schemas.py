"""REST API shapes every domain's API shares."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class AcceptedOut(Schema):
    accepted: int
    duplicates: int
