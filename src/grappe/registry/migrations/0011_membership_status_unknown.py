"""The « statut inconnu » membership status, and the imported memberships that only looked « à jour ».

Until now an imported row that gave neither a status nor a start date became an active membership. Such a
membership is recognised honestly: active, no start date, no lineage row for its status (no import ever said
it), and its organisation came from an import (a source row). A membership set active by a person, or by an
import that said so, keeps its status. Undoing the migration makes them active again, as they were.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def _said_nothing(apps):
    Membership = apps.get_model("registry", "Membership")
    Lineage = apps.get_model("registry", "Lineage")
    SourceRecord = apps.get_model("registry", "SourceRecord")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="registry", model="membership").first()
    memberships = Membership.objects.filter(status="active", starts_on__isnull=True).filter(
        Exists(SourceRecord.objects.filter(organisation_id=OuterRef("organisation_id")))
    )
    if content_type is not None:
        memberships = memberships.exclude(
            Exists(Lineage.objects.filter(content_type=content_type, object_id=OuterRef("pk"), field="status"))
        )
    return memberships


def mark_unknown(apps, schema_editor):
    _said_nothing(apps).update(status="unknown")


def mark_active_again(apps, schema_editor):
    apps.get_model("registry", "Membership").objects.filter(status="unknown").update(status="active")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_lineage_author_without_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "à jour"),
                    ("pending", "en attente"),
                    ("lapsed", "non renouvelée"),
                    ("ended", "terminée"),
                    ("unknown", "statut inconnu"),
                ],
                default="active",
                max_length=20,
                verbose_name="statut",
            ),
        ),
        migrations.RunPython(mark_unknown, mark_active_again),
    ]
