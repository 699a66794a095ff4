# The free text now lives in the names of MembershipType and College rows (0007); unapplying this migration
# brings the columns back empty and 0007's reverse fills them again from those rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_membership_types_from_text"),
    ]

    operations = [
        migrations.RemoveField(model_name="membership", name="category_text"),
        migrations.RemoveField(model_name="membership", name="college_text"),
    ]
