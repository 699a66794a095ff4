import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# Django's name for the constraint (0001); PostgreSQL only: SQLite keeps its REFERENCES clause, which costs it
# nothing measurable, rather than copying a table of millions of rows to drop it (SQLite cannot drop a constraint).
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
        ("registry", "0018_lineage_content_type_index"),
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
            database_operations=[migrations.RunPython(drop_constraint, add_constraint)],
        ),
    ]
