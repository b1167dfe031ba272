"""The app channel: the company's own app or website talks to Resonanz through the customer-facing API
(`resonanz.channels.app.api`) and the embeddable widget. The API stores each customer message as a raw
event (store first); this adapter turns it into a normalized message later. Replies are not pushed
anywhere: the widget polls, so sending only marks a reply deliverable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resonanz.channels.app.payloads import PROBLEM_CATEGORIES, AppEvent, parse_event
from resonanz.channels.base import (
    DIRECT_MESSAGE,
    Author,
    ChannelAdapter,
    NormalizedMessage,
    OutboundRequest,
    RawEvent,
    SendResult,
)

if TYPE_CHECKING:
    from resonanz.channels.models import ChannelAccount

SUBJECTS = {"problem_report": "Problemmeldung", "address_change": "Adressänderung"}


def structured_data(event: AppEvent) -> dict[str, Any]:
    """What lands in Message.extra["app"]: the form's fields, so agents and actions need not parse text."""
    data: dict[str, Any] = {"type": event.type, "client_message_id": event.client_message_id}
    if event.problem is not None:
        data.update(
            category=event.problem.category,
            category_label=PROBLEM_CATEGORIES[event.problem.category],
            postal_code=event.problem.postal_code,
        )
    if event.address is not None:
        data.update(event.address.model_dump(), status="requested")
    return data


class AppAdapter(ChannelAdapter):
    kind = "app"
    identity_kind = "app"
    capabilities = frozenset({"direct_message", "customer_api"})
    outbound_actions = frozenset({DIRECT_MESSAGE})

    def parse_inbound(self, account: ChannelAccount, event: RawEvent) -> list[NormalizedMessage]:
        app_event = parse_event(event.payload)
        profile: dict[str, str] = {}
        data = structured_data(app_event)
        if app_event.author.email and app_event.author.kind == "user":
            profile["email"] = app_event.author.email  # the company's backend vouches for its user
        elif app_event.author.email:
            # Anyone can type anyone's address into the widget: shown to the agent, never the customer's
            # e-mail (which would suggest merging with whoever owns it).
            data["email_unverified"] = app_event.author.email
        if app_event.problem is not None and app_event.problem.postal_code:
            # Where the problem is, not a confirmed address; fills a new customer's empty postal code only.
            profile["postal_code"] = app_event.problem.postal_code
        subject = SUBJECTS.get(app_event.type, "")
        if app_event.problem is not None:
            subject = f"{subject}: {PROBLEM_CATEGORIES[app_event.problem.category]}"
        return [
            NormalizedMessage(
                external_id=app_event.external_id,
                author=Author(
                    kind=self.identity_kind,
                    handle=app_event.author.handle,
                    display_name=app_event.author.name,
                    profile=profile,
                ),
                text=app_event.text,
                created_at=app_event.sent_at,
                is_public=False,
                subject=subject,
                extra={"app": data},
                conversation_hint_id=app_event.conversation_id,
            )
        ]

    def send_outbound(self, account: ChannelAccount, request: OutboundRequest) -> SendResult:
        # Nothing to call: a sent delivery is what the widget's poll shows the customer.
        return SendResult(external_ids=[f"app-out-{request.delivery_id}"])
