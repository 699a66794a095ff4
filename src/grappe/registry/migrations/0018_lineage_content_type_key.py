import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Django's names (0001) for the content type's own index, which the (content_type, object_id, field) index makes
# redundant, and for its foreign-key constraint, which PostgreSQL checked for every lineage row at commit.
# Both dropped as SQL: Django's AlterField would copy the whole table on SQLite, which holds millions of rows.
# SQLite keeps its REFERENCES clause (it cannot drop a constraint without that copy, and the check costs it
# nothing measurable: benchmarks/intake).
INDEX = "registry_lineage_content_type_id_89364a54"
CONSTRAINT = "registry_lineage_content_type_id_89364a54_fk_django_co"


def drop_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER TABLE "registry_lineage" DROP CONSTRAINT IF EXISTS "{CONSTRAINT}"')


def add_constraint(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'ALTER TABLE "registry_lineage" ADD CONSTRAINT "{CONSTRAINT}" FOREIGN KEY ("content_type_id") '
            'REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED'
        )


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
                        db_constraint=False,
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
                migrations.RunPython(drop_constraint, add_constraint),
            ],
        ),
    ]
