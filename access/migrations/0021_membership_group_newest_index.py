# The admin lists a group's memberships newest first. Among a country's memberships PostgreSQL
# read them by walking every membership's id from the newest and skipping the other groups' (for a
# group made before 4,987,946 others, 6.5 s; docs/benchmarks.md, the ninth round). An index on the
# group and the id gives it the group's rows in that order; it takes the place of the index on the
# group alone, whose look-ups the indexes that begin with the group serve.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0020_membership_statistics_of_group_and_enterprise"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="group",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="access.group",
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(fields=["group", "id"], name="membership_group_newest_idx"),
        ),
    ]
