# People are searched by their names folded (without accents, case or apostrophes): a column
# written by Person.save, filled here for the people already there, and on PostgreSQL a trigram
# index that serves LIKE '%…%' on it (docs/decisions.md §13.1).

import unicodedata

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

INDEX = "person_search_name_trgm"

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
    Person = apps.get_model("access", "Person")
    batch = []
    for person in Person.objects.only("given_name", "surname").iterator(chunk_size=2000):
        person.search_name = fold(f"{person.given_name} {person.surname}")
        batch.append(person)
        if len(batch) == 2000:
            Person.objects.bulk_update(batch, ["search_name"])
            batch = []
    Person.objects.bulk_update(batch, ["search_name"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON access_person USING gin (search_name gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0011_journal_own_access_actions"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=201),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        # Does nothing on SQLite (`make run`), where the search reads the column without an index.
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
