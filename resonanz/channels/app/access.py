"""Secured reads for customers of the app channel. A customer sees only their own conversations on this
channel account, and in them only their own messages and the replies sent to them; anything else is 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from resonanz.channels.access import check_channel_enabled
from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.conversations.models import Conversation, Message
from resonanz.core.errors import NotFound

APP_KIND = "app"


@dataclass(frozen=True)
class AppCustomer:
    """The caller of the customer API: a user id proven by a signed token, or an anonymous visitor."""

    account: ChannelAccount
    handle: str
    kind: Literal["user", "visitor"]


def app_account_by_id(account_id: int) -> ChannelAccount:
    account = ChannelAccount.objects.select_related("workspace").filter(pk=account_id, kind=APP_KIND).first()
    if account is None:
        raise NotFound(_("App-Kanal %(account_id)s nicht gefunden") % {"account_id": account_id})
    check_channel_enabled(account)  # disabled: 403 with the reason (decision 0520)
    return account


def conversations_of(customer: AppCustomer) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        workspace_id=customer.account.workspace_id,
        channel_account=customer.account,
        customer__identities__kind=APP_KIND,
        customer__identities__handle=customer.handle,
    )


def access_customer_conversation(customer: AppCustomer, conversation_id: int) -> Conversation:
    conversation = conversations_of(customer).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(
            _("Gespräch %(conversation_id)s nicht gefunden") % {"conversation_id": conversation_id}
        )
    return conversation


def customer_messages(conversation: Conversation, *, after: int = 0) -> QuerySet[Message]:
    """The customer's own messages and the replies that reached the app (sent deliveries), never notes."""
    return (
        conversation.messages.filter(
            Q(direction=Message.Direction.INBOUND, author_identity__customer_id=conversation.customer_id)
            | Q(
                direction=Message.Direction.OUTBOUND,
                channel_account_id=conversation.channel_account_id,
                visibility__in=(Message.Visibility.PUBLIC, Message.Visibility.PRIVATE),
                delivery__status=OutboundDelivery.Status.SENT,
            ),
            id__gt=after,
        )
        .select_related("author_agent")
        .order_by("created_at", "id")
    )
