from __future__ import annotations

from django.utils.translation import gettext as _

from resonanz.channels.models import ChannelAccount
from resonanz.core.errors import ChannelDisabled, NotFound


def channel_account_for_webhook(account_id: int) -> ChannelAccount:
    """Webhook senders are not agents: the account is found by id and the signature proves the sender.
    A disabled account answers 403 and does no work at all (no signature check, nothing stored)."""
    try:
        account = ChannelAccount.objects.select_related("workspace").get(pk=account_id)
    except ChannelAccount.DoesNotExist:
        raise NotFound(_("Kanalkonto %(account_id)s nicht gefunden") % {"account_id": account_id}) from None
    check_channel_enabled(account)
    return account


def check_channel_enabled(account: ChannelAccount) -> None:
    if account.status == ChannelAccount.Status.DISABLED:
        raise ChannelDisabled(
            _("Kanalkonto %(pk)s ist deaktiviert: Es nimmt nichts an, bis ein Admin es wieder aktiviert")
            % {"pk": account.pk}
        )
