"""Customer merges and merge suggestions. A merge moves a customer's identities AND conversations, so it
lives above both apps: here, in conversations, which already sits above customers (decision 0250)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import Conflict, InvalidInput, NotFound
from resonanz.core.models import AuditEntry
from resonanz.customers.actions import normalize_handle
from resonanz.customers.models import Customer, CustomerMerge, Identity, MatchSuggestion
from resonanz.workspaces.models import Agent

logger = logging.getLogger("resonanz.customers")


MERGE_PROFILE_FIELDS = ("email", "phone", "postal_code", "city", "region", "language", "app_user_id")


def do_merge_customers(agent: Agent, target: Customer, source: Customer) -> CustomerMerge:
    """Move the source's identities and conversations to the target, fill the target's blank profile
    fields from the source, and mark the source as merged. Audited; `do_undo_merge` reverses it."""
    if target.pk == source.pk:
        raise InvalidInput(gettext("Ein Kunde lässt sich nicht mit sich selbst zusammenführen"))
    if agent.workspace_id not in (target.workspace_id, source.workspace_id) or (
        target.workspace_id != source.workspace_id
    ):
        raise NotFound(gettext("Kunde nicht gefunden"))
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update().filter(pk__in=[target.pk, source.pk]).order_by("pk")
        }
        target, source = locked[target.pk], locked[source.pk]
        if target.merged_into_id is not None or source.merged_into_id is not None:
            raise Conflict(gettext("Einer der Kunden ist schon mit einem anderen Kunden zusammengeführt"))
        identity_ids = list(
            Identity.objects.filter(customer=source).order_by("id").values_list("id", flat=True)
        )
        conversation_ids = list(
            Conversation.objects.filter(customer=source).order_by("id").values_list("id", flat=True)
        )
        Identity.objects.filter(id__in=identity_ids).update(customer=target)
        Conversation.objects.filter(id__in=conversation_ids).update(customer=target)
        changed: dict[str, list[Any]] = {}
        for name in MERGE_PROFILE_FIELDS:
            if not getattr(target, name) and getattr(source, name):
                changed[name] = [getattr(target, name), getattr(source, name)]
        if source.is_vip and not target.is_vip:
            changed["is_vip"] = [False, True]
        if changed:
            Customer.objects.filter(pk=target.pk).update(**{k: after for k, (_, after) in changed.items()})
        Customer.objects.filter(pk=source.pk).update(merged_into=target)
        merge = CustomerMerge.objects.create(
            workspace_id=target.workspace_id,
            target=target,
            source=source,
            actor=agent,
            identity_ids=identity_ids,
            conversation_ids=conversation_ids,
            target_profile_before=changed,
        )
        MatchSuggestion.objects.filter(
            Q(customer=target, candidate=source) | Q(customer=source, candidate=target),
            status=MatchSuggestion.Status.OPEN,
        ).update(
            status=MatchSuggestion.Status.ACCEPTED, merge=merge, decided_at=timezone.now(), decided_by=agent
        )
        AuditEntry.objects.create(
            workspace_id=target.workspace_id,
            actor_id=agent.pk,
            action="customer.merged",
            object_type="customer",
            object_id=target.pk,
            data={
                "merge_id": merge.pk,
                "source_id": source.pk,
                "identity_ids": identity_ids,
                "conversation_ids": conversation_ids,
                "profile": changed,
            },
        )
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    conversation_id=conversation_id,
                    actor=agent,
                    kind="customer_merged",
                    data={"merge_id": merge.pk, "from_customer_id": source.pk, "to_customer_id": target.pk},
                )
                for conversation_id in conversation_ids
            ]
        )
    logger.info(
        "customers.customer.merged", extra={"merge": merge.pk, "target": target.pk, "source": source.pk}
    )
    return merge


def do_undo_merge(agent: Agent, merge: CustomerMerge) -> CustomerMerge:
    """Split a merge: the identities and conversations it moved go back to the source, the target's
    profile fields it filled are emptied again (unless changed since), the source is a customer again."""
    if merge.workspace_id != agent.workspace_id:
        raise NotFound(gettext("Zusammenführung nicht gefunden"))
    with transaction.atomic():
        merge = CustomerMerge.objects.select_for_update().select_related("target", "source").get(pk=merge.pk)
        if merge.undone_at is not None:
            raise Conflict(gettext("Diese Zusammenführung ist schon rückgängig gemacht"))
        target = Customer.objects.select_for_update().get(pk=merge.target_id)
        if target.merged_into_id is not None:
            raise Conflict(
                gettext(
                    "Der Kunde wurde danach noch einmal zusammengeführt; machen Sie zuerst diese Zusammenführung rückgängig"
                )
            )
        Identity.objects.filter(id__in=merge.identity_ids, customer=target).update(customer=merge.source_id)
        conversation_ids = list(
            Conversation.objects.filter(id__in=merge.conversation_ids, customer=target).values_list(
                "id", flat=True
            )
        )
        Conversation.objects.filter(id__in=conversation_ids).update(customer=merge.source_id)
        restore = {
            name: before
            for name, (before, after) in merge.target_profile_before.items()
            if getattr(target, name) == after
        }
        if restore:
            Customer.objects.filter(pk=target.pk).update(**restore)
        Customer.objects.filter(pk=merge.source_id).update(merged_into=None)
        now = timezone.now()
        CustomerMerge.objects.filter(pk=merge.pk).update(undone_at=now, undone_by=agent)
        merge.undone_at, merge.undone_by = now, agent
        # Undoing says the match was wrong: the suggestion that led here is not offered again.
        MatchSuggestion.objects.filter(merge=merge).update(
            status=MatchSuggestion.Status.REJECTED, decided_at=now, decided_by=agent
        )
        AuditEntry.objects.create(
            workspace_id=merge.workspace_id,
            actor_id=agent.pk,
            action="customer.merge_undone",
            object_type="customer",
            object_id=merge.target_id,
            data={
                "merge_id": merge.pk,
                "source_id": merge.source_id,
                "identity_ids": merge.identity_ids,
                "conversation_ids": conversation_ids,
                "profile_restored": restore,
            },
        )
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    conversation_id=conversation_id,
                    actor=agent,
                    kind="customer_merge_undone",
                    data={"merge_id": merge.pk, "to_customer_id": merge.source_id},
                )
                for conversation_id in conversation_ids
            ]
        )
    logger.info("customers.customer.merge_undone", extra={"merge": merge.pk})
    return merge


# --- Suggested matches ----------------------------------------------------------------------------------

CONFIDENCE = {
    MatchSuggestion.Reason.SAME_APP_USER_ID: 0.95,
    MatchSuggestion.Reason.SAME_EMAIL: 0.9,
    MatchSuggestion.Reason.SAME_PHONE: 0.8,
    MatchSuggestion.Reason.HANDLE_IN_SIGNATURE: 0.7,
}
# An e-mail address known only from mails whose sender the receiving server could not verify (a spoofed
# From is free to write): still suggested, but never with a confidence that looks like a sure match.
UNVERIFIED_EMAIL_CONFIDENCE = 0.4
# Mails read for signatures: not those whose sender the receiving server could not verify (a spoofed
# "From: victim" with the attacker's handle in the signature would suggest merging the two). Mails
# without a recorded verdict (channels that record none) are read as before.
_NOT_UNVERIFIED = Q(extra__email__authentication__verified__isnull=True) | Q(
    extra__email__authentication__verified=True
)
# How many of the customer's e-mails are read for signatures, and of other customers' for the reverse.
SIGNATURE_MESSAGES = 50
REVERSE_SIGNATURE_MESSAGES = 200

_SIGNATURE_DELIMITER = re.compile(
    r"^(?:-- ?|—|_{2,}|Mit freundlichen Grüßen.*|Viele Grüße.*|Best regards.*)$", re.M | re.I
)
_HANDLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("x", re.compile(r"(?:twitter\.com|x\.com)/@?([A-Za-z0-9_]{1,15})\b", re.I)),
    ("x", re.compile(r"(?<![\w@./])@([A-Za-z0-9_]{1,15})\b")),
    ("facebook", re.compile(r"(?:facebook\.com|fb\.com)/([A-Za-z0-9.]{3,50})", re.I)),
)


def email_signature(text: str) -> str:
    """The signature block of an e-mail: after the last delimiter ("-- ", "Viele Grüße"…), else the
    last six lines."""
    matches = list(_SIGNATURE_DELIMITER.finditer(text))
    if matches:
        return text[matches[-1].start() :]
    return "\n".join(text.strip().splitlines()[-6:])


def handles_in_signature(text: str) -> set[tuple[str, str]]:
    """(identity kind, normalized handle) pairs mentioned in an e-mail's signature."""
    signature = email_signature(text)
    found: set[tuple[str, str]] = set()
    for kind, pattern in _HANDLE_PATTERNS:
        for match in pattern.finditer(signature):
            found.add((kind, normalize_handle(kind, match.group(1)).rstrip(".")))
    return found


def phone_variants(number: str) -> set[str]:
    """The spellings a German number is stored under: as given, E.164, 00-international, national."""
    number = number.strip()
    variants = {number} if number else set()
    try:
        parsed = phonenumbers.parse(number, "DE")
    except phonenumbers.NumberParseException:
        return variants
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    variants |= {e164, "00" + e164[1:]}
    if parsed.country_code == 49:
        variants.add(f"0{parsed.national_number}")
    return variants


def _unverified_emails(customer: Customer, emails: set[str]) -> set[str]:
    """The customer's addresses that only ever wrote unverified mail (every mail from them carries an
    Authentication-Results verdict, and none passed). Addresses from channels that record no verdict
    count as before."""
    if not emails:
        return set()
    verdicts: dict[str, set[object]] = {}
    for handle, verified in Message.objects.filter(
        author_identity__customer=customer,
        author_identity__kind=Identity.Kind.EMAIL,
        direction=Message.Direction.INBOUND,
    ).values_list("author_identity__handle", "extra__email__authentication__verified"):
        verdicts.setdefault(handle, set()).add(verified)
    return {handle for handle, seen in verdicts.items() if seen == {False}}


def do_compute_suggestions(customer: Customer) -> list[MatchSuggestion]:
    """Find customers of the same workspace who are probably the same person and store a suggestion per
    (candidate, reason), insert-or-ignore: a rejected suggestion stays rejected. Returns the open ones."""
    workspace_id = customer.workspace_id
    identities = list(Identity.objects.filter(customer=customer).values_list("kind", "handle"))
    emails = {h for k, h in identities if k == Identity.Kind.EMAIL} | (
        {customer.email.strip().lower()} if customer.email.strip() else set()
    )
    phones: set[str] = set()
    for number in [h for k, h in identities if k == Identity.Kind.PHONE] + [customer.phone]:
        phones |= phone_variants(number)
    app_ids = {h for k, h in identities if k == Identity.Kind.APP} | (
        {customer.app_user_id} if customer.app_user_id else set()
    )
    found: dict[tuple[int, str], str] = {}
    unverified = _unverified_emails(customer, emails)
    weak: set[tuple[int, str]] = set()

    def add(reason: str, rows: Iterable[tuple[int, str]]) -> None:
        for candidate_id, evidence in rows:
            key = (candidate_id, reason)
            if reason == MatchSuggestion.Reason.SAME_EMAIL and evidence.lower() in unverified:
                if key not in found:
                    found[key] = f"{evidence} (unverified sender)"
                    weak.add(key)
                continue
            if key in weak:  # a verified address for the same candidate outweighs an unverified one
                weak.discard(key)
                found[key] = evidence
            found.setdefault(key, evidence)

    others = Customer.objects.filter(workspace_id=workspace_id, merged_into__isnull=True).exclude(
        pk=customer.pk
    )
    other_identities = Identity.objects.filter(
        workspace_id=workspace_id, customer__merged_into__isnull=True
    ).exclude(customer=customer)
    if emails:
        add(
            MatchSuggestion.Reason.SAME_EMAIL,
            others.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=emails)
            .values_list("id", "email_lower"),
        )
        add(
            MatchSuggestion.Reason.SAME_EMAIL,
            other_identities.filter(kind=Identity.Kind.EMAIL, handle__in=emails).values_list(
                "customer_id", "handle"
            ),
        )
    if phones:
        add(MatchSuggestion.Reason.SAME_PHONE, others.filter(phone__in=phones).values_list("id", "phone"))
        add(
            MatchSuggestion.Reason.SAME_PHONE,
            other_identities.filter(kind=Identity.Kind.PHONE, handle__in=phones).values_list(
                "customer_id", "handle"
            ),
        )
    if app_ids:
        add(
            MatchSuggestion.Reason.SAME_APP_USER_ID,
            others.filter(app_user_id__in=app_ids).values_list("id", "app_user_id"),
        )
        add(
            MatchSuggestion.Reason.SAME_APP_USER_ID,
            other_identities.filter(kind=Identity.Kind.APP, handle__in=app_ids).values_list(
                "customer_id", "handle"
            ),
        )
    # Handles in this customer's e-mail signatures → the customers owning those X/Facebook identities.
    mentioned: set[tuple[str, str]] = set()
    for text in (
        Message.objects.filter(author_identity__customer=customer, author_identity__kind=Identity.Kind.EMAIL)
        .filter(_NOT_UNVERIFIED)
        .order_by("-created_at")
        .values_list("text", flat=True)[:SIGNATURE_MESSAGES]
    ):
        mentioned |= handles_in_signature(text)
    for kind in ("x", "facebook"):
        handles = {h for k, h in mentioned if k == kind}
        if handles:
            add(
                MatchSuggestion.Reason.HANDLE_IN_SIGNATURE,
                other_identities.filter(kind=kind, handle__in=handles).values_list("customer_id", "handle"),
            )
    # …and the reverse: this customer's X/Facebook handles in other customers' e-mail signatures.
    social = [(k, h) for k, h in identities if k in ("x", "facebook") and len(h) >= 3]
    if social:
        condition = Q()
        for _, handle in social:
            condition |= Q(text__icontains=handle)
        # Read through the e-mail senders' messages (the author index), not through all messages newest
        # first: a handle nobody mentions otherwise costs a scan of every message (decision 0853).
        senders = other_identities.filter(kind=Identity.Kind.EMAIL).values("pk")
        rows = (
            Message.objects.filter(
                condition,
                workspace_id=workspace_id,
                direction=Message.Direction.INBOUND,
                author_identity__in=senders,
            )
            .filter(_NOT_UNVERIFIED)
            .order_by("-created_at")
            .values_list("author_identity__customer_id", "text")[:REVERSE_SIGNATURE_MESSAGES]
        )
        for candidate_id, text in rows:
            hits = handles_in_signature(text) & set(social)
            if hits:
                add(MatchSuggestion.Reason.HANDLE_IN_SIGNATURE, [(candidate_id, sorted(hits)[0][1])])
    MatchSuggestion.objects.bulk_create(
        [
            MatchSuggestion(
                workspace_id=workspace_id,
                customer=customer,
                candidate_id=candidate_id,
                reason=reason,
                confidence=UNVERIFIED_EMAIL_CONFIDENCE
                if (candidate_id, reason) in weak
                else CONFIDENCE[MatchSuggestion.Reason(reason)],
                evidence=evidence[:300],
            )
            for (candidate_id, reason), evidence in sorted(found.items())
        ],
        ignore_conflicts=True,
    )
    return list(
        MatchSuggestion.objects.filter(
            customer=customer, status=MatchSuggestion.Status.OPEN, candidate__merged_into__isnull=True
        )
        .select_related("candidate")
        .order_by("-confidence", "candidate_id", "reason")
    )


def do_accept_suggestion(agent: Agent, suggestion: MatchSuggestion) -> CustomerMerge:
    """Accepting merges the candidate into the suggestion's customer."""
    if suggestion.status != MatchSuggestion.Status.OPEN:
        raise Conflict(gettext("Dieser Vorschlag ist schon %(status)s") % {"status": suggestion.status})
    return do_merge_customers(agent, suggestion.customer, suggestion.candidate)


def do_reject_suggestion(agent: Agent, suggestion: MatchSuggestion) -> None:
    updated = MatchSuggestion.objects.filter(pk=suggestion.pk, status=MatchSuggestion.Status.OPEN).update(
        status=MatchSuggestion.Status.REJECTED, decided_at=timezone.now(), decided_by=agent
    )
    if not updated:
        raise Conflict(gettext("Dieser Vorschlag ist schon %(status)s") % {"status": suggestion.status})
    AuditEntry.objects.create(
        workspace_id=suggestion.workspace_id,
        actor_id=agent.pk,
        action="customer.suggestion_rejected",
        object_type="customer",
        object_id=suggestion.customer_id,
        data={
            "suggestion_id": suggestion.pk,
            "candidate_id": suggestion.candidate_id,
            "reason": suggestion.reason,
        },
    )
