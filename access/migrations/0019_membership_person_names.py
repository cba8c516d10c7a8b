# A membership carries its group's enterprise and its person's names, so that the users page and
# the group page order and search an enterprise's people from its own rows (docs/decisions.md
# §20.1); filled here for the memberships already there, from their groups and from their people's
# names and folded names (Person.search_name). On
# PostgreSQL a trigram index serves a search for a rare name, as Person's does (0012); a common
# one reads the group's rows in the order of their names.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

TRIGRAMS = "membership_search_name_trgm"


def fill(apps, schema_editor):
    Group = apps.get_model("access", "Group")
    Membership = apps.get_model("access", "Membership")
    Person = apps.get_model("access", "Person")
    person = Person.objects.filter(pk=OuterRef("person_id"))
    Membership.objects.update(
        enterprise_id=Subquery(Group.objects.filter(pk=OuterRef("group_id")).values("enterprise_id")[:1]),
        person_given_name=Subquery(person.values("given_name")[:1]),
        person_surname=Subquery(person.values("surname")[:1]),
        person_search_name=Subquery(person.values("search_name")[:1]),
    )


def create_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {TRIGRAMS} ON access_membership USING gin (person_search_name gin_trgm_ops)"
            " WHERE removed_at IS NULL"
        )


def drop_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAMS}")


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0018_journal_indexes_by_person_and_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="access.enterprise",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="person_given_name",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name="membership",
            name="person_search_name",
            field=models.CharField(default="", editable=False, max_length=201),
        ),
        migrations.AddField(
            model_name="membership",
            name="person_surname",
            field=models.CharField(default="", editable=False, max_length=100),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="access.enterprise"
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", True)),
                fields=["group", "person_surname", "person_given_name", "person"],
                name="membership_group_name_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(("removed_at__isnull", True)),
                fields=["enterprise", "person_surname", "person_given_name", "person"],
                name="membership_enterprise_name_idx",
            ),
        ),
        migrations.RunPython(create_trigrams, drop_trigrams),
    ]
