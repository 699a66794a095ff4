import django.db.models.deletion
from django.db import migrations, models

# The foreign key's own index duplicates the first column of the (content_type, object_id, field) index: dropped,
# as SQL, because Django's AlterField rebuilds a SQLite table to drop an index, and this one holds millions of rows.
INDEX = "registry_lineage_content_type_id_89364a54"


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0017_staff_assignments"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lineage",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "registry_lineage" ("content_type_id")',
                ),
            ],
        ),
    ]
