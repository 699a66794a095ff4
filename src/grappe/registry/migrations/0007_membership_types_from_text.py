"""Every distinct free-text membership type and college of an association becomes a row of that association,
named by the text exactly as it was written (no trimming, no case folding: two spellings stay two rows), and
each membership points at the rows its text named. Nothing is dropped: the reverse writes each row's name
back into the text of the memberships that point at it.

Lineage rows that recorded an imported type under the old field name (``category``) follow the new one
(``membership_type``), so that the organisation page still labels them.
"""

from django.db import migrations


def _distinct(memberships, column):
    return list(
        memberships.exclude(**{column: ""})
        .values_list("association_id", column)
        .distinct()
        .order_by("association_id", column)
    )


def _rows_from_text(apps, schema_editor, model_name, column, link):
    db = schema_editor.connection.alias
    memberships = apps.get_model("registry", "Membership").objects.using(db)
    model = apps.get_model("registry", model_name)
    order_by_association = {}
    for association_id, text in _distinct(memberships, column):
        position = order_by_association.get(association_id, 0) + 1
        order_by_association[association_id] = position
        row, _ = model.objects.using(db).get_or_create(
            association_id=association_id, name=text, defaults={"order": position * 10}
        )
        memberships.filter(association_id=association_id, **{column: text}).update(**{link: row.pk})


def _lineage_field(apps, schema_editor, old, new):
    db = schema_editor.connection.alias
    content_type = (
        apps.get_model("contenttypes", "ContentType")
        .objects.using(db)
        .filter(app_label="registry", model="membership")
        .first()
    )
    if content_type is None:
        return
    lineage = apps.get_model("registry", "Lineage").objects.using(db)
    lineage.filter(content_type=content_type, field=old).update(field=new)


def forward(apps, schema_editor):
    _rows_from_text(apps, schema_editor, "College", "college_text", "college_id")
    _rows_from_text(apps, schema_editor, "MembershipType", "category_text", "membership_type_id")
    _lineage_field(apps, schema_editor, "category", "membership_type")


def backward(apps, schema_editor):
    db = schema_editor.connection.alias
    memberships = apps.get_model("registry", "Membership").objects.using(db)
    for model_name, link, column in (
        ("MembershipType", "membership_type_id", "category_text"),
        ("College", "college_id", "college_text"),
    ):
        for pk, name in apps.get_model("registry", model_name).objects.using(db).values_list("pk", "name"):
            # Names hold 80 characters, as the text columns did: nothing is cut.
            memberships.filter(**{link: pk}).update(**{column: name})
    _lineage_field(apps, schema_editor, "membership_type", "category")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_membership_types"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
