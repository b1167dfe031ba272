"""Writes on customers and identities."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from resonanz.channels.base import Author
from resonanz.contacts.models import Customer, Identity
from resonanz.workspaces.models import Workspace

_PROFILE_FIELDS = ("email", "phone", "postal_code", "city", "region", "language")


def normalize_handle(kind: str, handle: str) -> str:
    handle = handle.strip()
    if kind in ("email", "x", "forum"):
        return handle.lower().lstrip("@") if kind == "x" else handle.lower()
    return handle


def do_resolve_identity(workspace: Workspace, author: Author) -> Identity:
    """The identity for this author, creating it and a new customer when we have never seen them."""
    handle = normalize_handle(author.kind, author.handle)
    identity = (
        Identity.objects.select_related("customer")
        .filter(workspace=workspace, kind=author.kind, handle=handle)
        .first()
    )
    if identity is not None:
        return identity
    profile = {k: v[:120] for k, v in author.profile.items() if k in _PROFILE_FIELDS and isinstance(v, str)}
    if author.kind == "email":
        profile.setdefault("email", handle)
    elif author.kind == "phone":
        profile.setdefault("phone", handle)
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                workspace=workspace,
                display_name=(author.display_name or author.handle)[:200],
                is_vip=author.profile.get("vip") == "true",
                **profile,
            )
            return Identity.objects.create(
                workspace=workspace,
                customer=customer,
                kind=author.kind,
                handle=handle,
                display_name=author.display_name[:200],
            )
    except IntegrityError:
        # Another worker created the same identity between our read and our insert.
        return Identity.objects.select_related("customer").get(
            workspace=workspace, kind=author.kind, handle=handle
        )
