"""Errors that cross layers. Actions raise them; the API and the web turn them into 4xx answers."""

from __future__ import annotations


class ResonanzError(Exception):
    """Base for expected, user-facing errors."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ResonanzError):
    status_code = 400


class NotAuthenticated(ResonanzError):
    status_code = 401


class PermissionDenied(ResonanzError):
    status_code = 403


class ChannelDisabled(PermissionDenied):
    """A disabled channel account accepts no events (decision 0520)."""

    status_code = 403


class NotFound(ResonanzError):
    status_code = 404


class Conflict(ResonanzError):
    status_code = 409
