"""Writes on customers and identities."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

# Customers own conversations: merging moves them (decision 0250), so this module reads the conversation
# models. conversations.models imports only customers.models, never this module: no import cycle.
from resonanz.customers.authors import Author
from resonanz.customers.models import Customer, Identity
from resonanz.workspaces.models import Workspace

logger = logging.getLogger("resonanz.customers")

# The profile facts a channel may tell about a new customer (Author.profile); nothing else is stored.
PROFILE_FIELDS = ("email", "phone", "postal_code", "city", "region", "language", "app_user_id")


def new_customer(workspace_id: int, author: Author, handle: str) -> Customer:
    """The customer an unknown author becomes (unsaved): the one rule of the one-by-one and the set-based
    ingest paths, so they cannot drift apart."""
    profile = {k: v[:120] for k, v in author.profile.items() if k in PROFILE_FIELDS and isinstance(v, str)}
    if author.kind == "email":
        profile.setdefault("email", handle)
    elif author.kind == "phone":
        profile.setdefault("phone", handle)
    return Customer(
        workspace_id=workspace_id,
        display_name=(author.display_name or author.handle)[:200],
        is_vip=author.profile.get("vip") == "true",
        **profile,
    )


def normalize_handle(kind: str, handle: str) -> str:
    handle = handle.strip()
    if kind in ("email", "x", "forum"):
        return handle.lower().lstrip("@") if kind == "x" else handle.lower()
    return handle


def _release_handle(workspace: Workspace, kind: str, handle: str, keep_external_id: str) -> None:
    """Someone else holds ``handle`` now (the old owner renamed, a new account took the name): the old
    identity keeps its customer and its external id, and shows a placeholder until we see its new handle."""
    for stale in Identity.objects.filter(workspace=workspace, kind=kind, handle=handle).exclude(
        external_id=keep_external_id
    ):
        placeholder = f"{handle}~{stale.external_id or stale.pk}"[:254]
        Identity.objects.filter(pk=stale.pk).update(handle=placeholder)
        logger.info(
            "customers.identity.handle_released",
            extra={"identity": stale.pk, "kind": kind, "handle": handle},
        )


def _resolve_by_external_id(workspace: Workspace, author: Author, handle: str) -> Identity | None:
    """Platforms with stable account ids (X): the id decides, the handle only follows it. A handle seen
    before under another id (or none) never leads to that identity's customer."""
    external_id = author.external_id[:64]
    identity = (
        Identity.objects.select_related("customer")
        .filter(workspace=workspace, kind=author.kind, external_id=external_id)
        .first()
    )
    if identity is None:
        # An identity stored before ids were recorded: the same handle and no id yet is this account.
        identity = (
            Identity.objects.select_related("customer")
            .filter(workspace=workspace, kind=author.kind, handle=handle, external_id="")
            .first()
        )
        if identity is not None:
            Identity.objects.filter(pk=identity.pk).update(external_id=external_id)
            identity.external_id = external_id
    if identity is None:
        _release_handle(workspace, author.kind, handle, external_id)
        return None
    if identity.handle != handle or (author.display_name and identity.display_name != author.display_name):
        _release_handle(workspace, author.kind, handle, external_id)
        identity.handle = handle
        identity.display_name = author.display_name[:200] or identity.display_name
        Identity.objects.filter(pk=identity.pk).update(
            handle=identity.handle, display_name=identity.display_name
        )
    return identity


def do_resolve_identity(workspace: Workspace, author: Author) -> Identity:
    """The identity for this author, creating it and a new customer when we have never seen them."""
    handle = normalize_handle(author.kind, author.handle)
    if author.external_id:
        known = _resolve_by_external_id(workspace, author, handle)
        if known is not None:
            return known
    identity = (
        Identity.objects.select_related("customer")
        .filter(workspace=workspace, kind=author.kind, handle=handle)
        .first()
    )
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            customer = new_customer(workspace.pk, author, handle)
            customer.save(force_insert=True)
            return Identity.objects.create(
                workspace=workspace,
                customer=customer,
                kind=author.kind,
                handle=handle,
                display_name=author.display_name[:200],
                external_id=author.external_id[:64],
            )
    except IntegrityError:
        # Another worker created the same identity between our read and our insert.
        return Identity.objects.select_related("customer").get(
            workspace=workspace, kind=author.kind, handle=handle
        )


# --- Merging customers ----------------------------------------------------------------------------------

# Profile fields a merge copies from the source into the target's blanks (and an undo restores).
