# Enterprises are searched by their names folded as people's are (without accents, case or
# apostrophes): a column written by Enterprise.save, filled here for the enterprises already there,
# and on PostgreSQL a trigram index that serves LIKE '%…%' on it (docs/decisions.md §17).

import unicodedata

from django.db import migrations, models

INDEX = "enterprise_search_name_trgm"

# access.models.fold as it is today: a migration imports no app code.
_PLAIN_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)
_APOSTROPHES = str.maketrans({"'": "", "’": "", "-": " ", "‐": " "})


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_LETTERS).translate(_APOSTROPHES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def fill(apps, schema_editor):
    Enterprise = apps.get_model("access", "Enterprise")
    batch = []
    for enterprise in Enterprise.objects.only("name").iterator(chunk_size=2000):
        enterprise.search_name = fold(enterprise.name)[:400]
        batch.append(enterprise)
        if len(batch) == 2000:
            Enterprise.objects.bulk_update(batch, ["search_name"])
            batch = []
    Enterprise.objects.bulk_update(batch, ["search_name"])


def create_index(apps, schema_editor):
    # pg_trgm was created by 0012_person_search_name.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON access_enterprise USING gin (search_name gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0014_journal_provisioning_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        # Does nothing on SQLite (`make run`), where the search reads the column without an index.
        migrations.RunPython(create_index, drop_index),
    ]
