"""Channel accounts' secrets and the credential entries of their config are encrypted at rest (decision 0542).

The fields read values written before this migration as they are; saving every row once encrypts them."""

from typing import Any

from django.db import migrations, models

import resonanz.core.fields


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    for account in ChannelAccount.objects.using(schema_editor.connection.alias).order_by("pk").iterator():
        account.save(update_fields=["secret", "config"])


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    accounts = ChannelAccount.objects.using(schema_editor.connection.alias)
    for account in accounts.order_by("pk").iterator():
        # Values with plain output fields are written as they are, not through the encrypting fields.
        accounts.filter(pk=account.pk).update(
            secret=models.Value(account.secret, output_field=models.TextField()),
            config=models.Value(account.config, output_field=models.JSONField()),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0002_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channelaccount",
            name="config",
            field=resonanz.core.fields.ConfigWithSecretsField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="channelaccount",
            name="secret",
            field=resonanz.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
