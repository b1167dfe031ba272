"""The API answers in English unless the client asks for a language (decision 0016).

LocaleMiddleware falls back to LANGUAGE_CODE (German) for a request that names no language. A browser always
names one (Accept-Language); an API client (a script, curl, a CRM, a platform's webhook sender) rarely does,
and its reader is a developer working from the English OpenAPI description. So a request under /api/ with no
Accept-Language header and no language cookie gets English; one that asks for German gets German.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

API_PREFIX = "/api/"
API_DEFAULT_LANGUAGE = "en"


class ApiLanguageMiddleware:
    """Sits right after LocaleMiddleware, which has activated the request's language already."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.path_info.startswith(API_PREFIX)
            or request.META.get("HTTP_ACCEPT_LANGUAGE")
            or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        # override, not activate: the thread's language is back to what it was once the answer is made (an
        # embedded server's thread, a test), and Content-Language is set here while English is still active
        with translation.override(API_DEFAULT_LANGUAGE):
            request.LANGUAGE_CODE = API_DEFAULT_LANGUAGE
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", API_DEFAULT_LANGUAGE)
        return response
