from __future__ import annotations

from resonanz.channels.models import ChannelAccount
from resonanz.core.errors import ChannelDisabled, NotFound


def channel_account_for_webhook(account_id: int) -> ChannelAccount:
    """Webhook senders are not agents: the account is found by id and the signature proves the sender.
    A disabled account answers 403 and does no work at all (no signature check, nothing stored)."""
    try:
        account = ChannelAccount.objects.select_related("workspace").get(pk=account_id)
    except ChannelAccount.DoesNotExist:
        raise NotFound(f"channel account {account_id} not found") from None
    check_channel_enabled(account)
    return account


def check_channel_enabled(account: ChannelAccount) -> None:
    if account.status == ChannelAccount.Status.DISABLED:
        raise ChannelDisabled(
            f"channel account {account.pk} is disabled: it accepts no events until an admin enables it"
        )
