"""PostgreSQL keeps 15 % of each page of the message table free (decision 0883).

A message row is written three more times after it is stored: the after-ingest claim, its language, the
end of the after-ingest steps. With full pages each new row version went to another page and into all
eleven indexes of the table (the search GIN index too); with room on the page the first two are HOT updates
(no index entries: neither column is indexed). SQLite has no fill factor."""

from django.db import migrations

FILL_FACTOR = 85


def _set(apps, schema_editor, value: int | None) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("conversations_message")
    if value is None:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    else:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0016_timeline_routing_kinds")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _set(apps, schema_editor, FILL_FACTOR),
            lambda apps, schema_editor: _set(apps, schema_editor, None),
        )
    ]
