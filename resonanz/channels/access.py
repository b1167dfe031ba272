from __future__ import annotations

from resonanz.channels.models import ChannelAccount
from resonanz.core.errors import NotFound


def channel_account_for_webhook(account_id: int) -> ChannelAccount:
    """Webhook senders are not agents: the account is found by id and the signature proves the sender."""
    try:
        return ChannelAccount.objects.select_related("workspace").get(pk=account_id)
    except ChannelAccount.DoesNotExist:
        raise NotFound(f"channel account {account_id} not found") from None
