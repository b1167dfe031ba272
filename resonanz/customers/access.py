"""Secured reads on customers, merges and suggestions: scoped to the agent's workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from resonanz.core.errors import NotFound
from resonanz.customers.models import Customer, CustomerMerge, MatchSuggestion
from resonanz.workspaces.models import Agent


def customers_for(agent: Agent) -> QuerySet[Customer]:
    return Customer.objects.filter(workspace_id=agent.workspace_id)


def access_customer_by_id(agent: Agent, customer_id: int) -> Customer:
    try:
        return customers_for(agent).get(pk=customer_id)
    except Customer.DoesNotExist:
        raise NotFound(_("Kunde %(customer_id)s nicht gefunden") % {"customer_id": customer_id}) from None


def access_merge_by_id(agent: Agent, merge_id: int) -> CustomerMerge:
    try:
        return CustomerMerge.objects.get(pk=merge_id, workspace_id=agent.workspace_id)
    except CustomerMerge.DoesNotExist:
        raise NotFound(_("Zusammenführung %(merge_id)s nicht gefunden") % {"merge_id": merge_id}) from None


def access_suggestion_by_id(agent: Agent, suggestion_id: int) -> MatchSuggestion:
    try:
        return MatchSuggestion.objects.select_related("customer", "candidate").get(
            pk=suggestion_id, workspace_id=agent.workspace_id
        )
    except MatchSuggestion.DoesNotExist:
        raise NotFound(
            _("Vorschlag %(suggestion_id)s nicht gefunden") % {"suggestion_id": suggestion_id}
        ) from None


def open_suggestions(customer: Customer) -> list[MatchSuggestion]:
    """The customer's open merge suggestions whose candidate is not merged away, highest confidence first."""
    return list(
        MatchSuggestion.objects.filter(
            customer=customer, status=MatchSuggestion.Status.OPEN, candidate__merged_into__isnull=True
        )
        .select_related("candidate")
        .order_by("-confidence", "candidate_id", "reason")
    )
