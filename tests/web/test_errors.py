"""The project's errors as 4xx answers in one place (resonanz/web/errors.py and the middleware)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from resonanz.core.errors import ChannelDisabled, Conflict, InvalidInput, NotFound, PermissionDenied
from resonanz.web.errors import refusals, status_for
from resonanz.web.middleware import HtmxErrorsMiddleware


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("weg"), 404),
        (InvalidInput("leer"), 400),
        (Conflict("schon erledigt"), 409),
        (PermissionDenied("nein"), 403),
        (ChannelDisabled("aus"), 403),
    ],
)
def test_each_error_has_its_status(error, status):
    assert status_for(error) == status


def test_a_view_can_state_another_status_for_one_error():
    assert status_for(NotFound("Quelle"), {NotFound: 400}) == 400
    assert status_for(Conflict("x"), {NotFound: 400}) == 409


def _raising(error: Exception):
    def view(request: HttpRequest) -> HttpResponse:
        raise error

    return view


def _through_middleware(view, htmx: bool) -> HttpResponse:
    request = RequestFactory().post("/x", headers={"HX-Request": "true"} if htmx else {})
    request.user = AnonymousUser()
    middleware = HtmxErrorsMiddleware(lambda r: HttpResponse())
    try:
        return view(request)
    except Exception as error:
        handled = middleware.process_exception(request, error)
        assert handled is not None
        return handled


@pytest.mark.django_db
def test_an_uncaught_error_becomes_its_4xx_with_the_message_in_the_alert_area():
    response = _through_middleware(_raising(Conflict("Jemand war schneller.")), htmx=True)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#errors"
    assert "Jemand war schneller." in response.content.decode()
    page = _through_middleware(_raising(InvalidInput("Bitte <b>Text</b>.")), htmx=False)
    assert page.status_code == 400
    html = page.content.decode()
    assert "<html" in html and "Bitte &lt;b&gt;Text&lt;/b&gt;." in html  # escaped


def test_other_exceptions_are_not_the_middlewares():
    request = RequestFactory().get("/")
    assert HtmxErrorsMiddleware(lambda r: HttpResponse()).process_exception(request, KeyError("x")) is None


def test_refusals_show_a_form_posts_reason_on_its_own_page():
    def page(request: HttpRequest, message: str, status: int, thing_id: int) -> HttpResponse:
        return HttpResponse(f"page {thing_id}: {message}", status=status)

    @refusals(page=page)
    def view(request: HttpRequest, thing_id: int) -> HttpResponse:
        raise Conflict("schon zusammengeführt")

    response = view(RequestFactory().post("/"), thing_id=7)
    assert (response.status_code, response.content) == (409, "page 7: schon zusammengeführt".encode())
    htmx = view(RequestFactory().post("/", headers={"HX-Request": "true"}), thing_id=7)
    assert htmx.status_code == 409 and htmx["HX-Retarget"] == "#errors"


def test_the_page_gets_every_keyword_argument_of_the_view():
    def page(request: HttpRequest, message: str, status: int, **kwargs: object) -> HttpResponse:
        return HttpResponse(sorted(kwargs), status=status)

    @refusals(page=page)
    def view(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
        raise InvalidInput("falsches Etikett")

    response = view(RequestFactory().post("/"), conversation_id=1, message_id=2)
    assert response.status_code == 400
