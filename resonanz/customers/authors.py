"""Who wrote an inbound message, as a channel adapter tells it; identity resolution turns it into an
identity and a customer (resonanz.customers.actions.do_resolve_identity)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Author:
    """Who wrote an inbound message, on which identity kind (x, facebook, email, phone, app, forum…)."""

    kind: str
    handle: str
    display_name: str = ""
    # Profile facts the channel knows (postal code from the app, e-mail, phone…), stored on a new customer.
    profile: dict[str, str] = field(default_factory=dict)
    # The platform's stable account id where handles can change hands (X user id): the identity's key.
    external_id: str = ""
