"""Customers in the agent UI: a list with search, and a customer page with the whole history across
channels, identities, the VIP flag, merge suggestions to accept or reject, a merge by hand and its undo.
Reads through the customers' and conversations' access functions, writes through their actions."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from resonanz.conversations import merges as merge_actions
from resonanz.conversations.access import customer_history
from resonanz.core.errors import InvalidInput, NotFound, ResonanzError
from resonanz.customers.access import (
    access_customer_by_id,
    access_merge_by_id,
    access_suggestion_by_id,
    customers_for,
    open_suggestions,
)
from resonanz.customers.models import Customer, CustomerMerge, Identity, MatchSuggestion
from resonanz.understanding.access import customer_has_label
from resonanz.web import queries
from resonanz.web.errors import refusals
from resonanz.web.forms import DecisionForm, MergeForm, read
from resonanz.web.permissions import requires
from resonanz.workspaces.models import Agent
from resonanz.workspaces.permissions import has_perm

PAGE_SIZE = 50


def search_customers(agent: Agent, text: str) -> Any:
    """Customers (not merged away) whose name, e-mail, phone or any identity's handle or name contains
    ``text``, the newest first, with their number of conversations."""
    found = customers_for(agent).filter(merged_into__isnull=True)
    if text:
        handles = Identity.objects.filter(customer=OuterRef("pk")).filter(
            Q(handle__icontains=text) | Q(display_name__icontains=text)
        )
        found = found.filter(
            Q(display_name__icontains=text)
            | Q(email__icontains=text)
            | Q(phone__icontains=text)
            | Exists(handles)
        )
    return found.annotate(conversation_count=Count("conversations")).order_by("-created_at", "-id")


@requires("customers.view")
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    text = " ".join(request.GET.get("q", "").split())[:200]
    page = Paginator(search_customers(agent, text), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/customers/list.html",
        {"agent": agent, "page": page, "q": text, "is_admin": queries.is_admin(agent)},
    )


# How long a view of the customer page shows the suggestions stored by an earlier one instead of looking
# again: the look (do_compute_suggestions) reads other customers and e-mail signatures, costs more than the
# rest of the page together, and finds the same as a minute ago (decision 0852).
SUGGESTIONS_FRESH_SECONDS = 600


def _suggestions(customer: Customer, identities: list[Identity]) -> list[MatchSuggestion]:
    """Open merge suggestions: looked for again at most every SUGGESTIONS_FRESH_SECONDS per server process,
    and at once when the customer's own addresses or identities changed (they are in the key)."""
    facts = (
        customer.pk,
        customer.created_at.isoformat(),
        customer.email,
        customer.phone,
        customer.app_user_id,
        sorted((identity.pk, identity.kind, identity.handle) for identity in identities),
    )
    key = "merge-suggestions:" + hashlib.sha256(repr(facts).encode()).hexdigest()
    if cache.add(key, True, SUGGESTIONS_FRESH_SECONDS):  # the first view in this period looks again
        return merge_actions.do_compute_suggestions(customer)
    return open_suggestions(customer)


def _customer_page(
    request: HttpRequest, agent: Agent, customer: Customer, error: str = "", status: int = 200
) -> HttpResponse:
    history = customer_history(agent, customer.pk)
    can_merge = has_perm(agent, "customers.merge")
    suggestions = (
        _suggestions(customer, history.identities) if can_merge and customer.merged_into_id is None else []
    )
    merges = list(
        CustomerMerge.objects.filter(workspace_id=agent.workspace_id, target=customer, undone_at__isnull=True)
        .select_related("source", "actor")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "web/customers/detail.html",
        {
            "agent": agent,
            "customer": customer,
            "history": history,
            "suggestions": suggestions,
            "merges": merges,
            "can_merge": can_merge,
            # Sensitive: a message of this customer was judged private (bank details, health, an address…).
            "is_sensitive": customer_has_label(customer.pk, "sensitivity", "private"),
            "error": error,
            "is_admin": queries.is_admin(agent),
        },
        status=status,
    )


def _customer(agent: Agent, customer_id: int) -> Customer:
    try:
        return access_customer_by_id(agent, customer_id)
    except NotFound as error:
        raise Http404(error.message) from None


@requires("customers.view")
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return _customer_page(request, agent, _customer(agent, customer_id))


# A refused merge, undo or decision shows its reason on the customer page (400, or 409 for a conflict). A
# customer not found by the action (the source of a merge) is a refused input there, not a missing page.
_REFUSED_NOT_FOUND: dict[type[ResonanzError], int] = {NotFound: 400}


def _page_of_customer(request: HttpRequest, message: str, status: int, customer_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return _customer_page(request, agent, _customer(agent, customer_id), message, status)


def _page_of_merge(request: HttpRequest, message: str, status: int, merge_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    found = access_merge_by_id(agent, merge_id)
    return _customer_page(request, agent, _customer(agent, found.target_id), message, status)


def _page_of_suggestion(request: HttpRequest, message: str, status: int, suggestion_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    suggestion = access_suggestion_by_id(agent, suggestion_id)
    return _customer_page(request, agent, suggestion.customer, message, status)


@refusals(page=_page_of_customer, overrides=_REFUSED_NOT_FOUND)
@requires("customers.merge")
@require_POST
def merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Merge another customer (``source_customer_id``) into this one by hand."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    target = _customer(agent, customer_id)
    source_id = read(MergeForm, request.POST)["source_customer_id"]
    source = customers_for(agent).filter(pk=source_id).first() if source_id is not None else None
    if source is None:
        raise InvalidInput(_("Bitte die Nummer eines Kunden angeben."))
    merge_actions.do_merge_customers(agent, target, source)
    return redirect("web:customer", customer_id=target.pk)


@refusals(page=_page_of_merge, overrides=_REFUSED_NOT_FOUND)
@requires("customers.merge")
@require_POST
def undo_merge(request: HttpRequest, merge_id: int) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    try:
        found = access_merge_by_id(agent, merge_id)
    except NotFound as error:
        raise Http404(error.message) from None
    merge_actions.do_undo_merge(agent, found)
    return redirect("web:customer", customer_id=found.target_id)


@refusals(page=_page_of_suggestion, overrides=_REFUSED_NOT_FOUND)
@requires("customers.merge")
@require_POST
def decide_suggestion(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """``decision`` is "accept" (the candidate is merged into the customer) or "reject" (not offered again)."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    try:
        suggestion = access_suggestion_by_id(agent, suggestion_id)
    except NotFound as error:
        raise Http404(error.message) from None
    if read(DecisionForm, request.POST)["decision"] == "accept":
        merge_actions.do_accept_suggestion(agent, suggestion)
    else:
        merge_actions.do_reject_suggestion(agent, suggestion)
    return redirect("web:customer", customer_id=suggestion.customer_id)
