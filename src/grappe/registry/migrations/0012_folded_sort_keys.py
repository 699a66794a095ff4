"""Folded keys for search and sort blind to accents and case: the establishment's commune (« saint etienne »
finds Saint-Étienne) and the person's « nom prénom », filled for the rows already there."""

from django.db import migrations, models

from grappe.france.text import fold

BATCH = 2000


def _fill(model, key, sources, size):
    batch = []
    for row in model.objects.only("pk", *sources).iterator(chunk_size=BATCH):
        setattr(row, key, fold(" ".join(getattr(row, name) or "" for name in sources))[:size])
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, [key])
            batch.clear()
    model.objects.bulk_update(batch, [key])


def fill_keys(apps, schema_editor):
    _fill(apps.get_model("registry", "Establishment"), "search_city", ("city",), 120)
    _fill(apps.get_model("registry", "Person"), "sort_name", ("last_name", "first_name"), 161)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_membership_status_unknown"),
    ]

    operations = [
        migrations.AddField(
            model_name="establishment",
            name="search_city",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="person",
            name="sort_name",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=161),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
