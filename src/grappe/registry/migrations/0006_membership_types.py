# Membership types and colleges become rows of their association (issue 9, point 5). The free-text columns are
# kept under another name until 0007 has turned them into rows; 0008 drops them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_country"),
    ]

    operations = [
        migrations.CreateModel(
            name="College",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80, verbose_name="nom")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="ordre")),
                (
                    "association",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="colleges",
                        to="registry.association",
                        verbose_name="association",
                    ),
                ),
            ],
            options={
                "verbose_name": "collège",
                "verbose_name_plural": "collèges",
                "ordering": ["association__name", "order", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("association", "name"), name="unique_college_name")
                ],
            },
        ),
        migrations.CreateModel(
            name="MembershipType",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=80, verbose_name="nom")),
                (
                    "fee_category",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "non renseignée"),
                            ("company", "entreprise (selon la tranche d'effectif)"),
                            ("startup", "start-up"),
                            ("education_research", "établissement de formation ou de recherche"),
                            ("public_body", "collectivité ou organisme public"),
                            ("association", "association"),
                            ("individual", "personne physique"),
                            ("honorary", "membre d'honneur (sans cotisation)"),
                        ],
                        default="",
                        max_length=30,
                        verbose_name="catégorie de cotisation",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Décochez pour ne plus proposer ce type aux nouveaux membres.",
                        verbose_name="proposé",
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="ordre")),
                (
                    "association",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="membership_types",
                        to="registry.association",
                        verbose_name="association",
                    ),
                ),
                (
                    "default_college",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="default_for_types",
                        to="registry.college",
                        verbose_name="collège par défaut",
                    ),
                ),
            ],
            options={
                "verbose_name": "type d'adhésion",
                "verbose_name_plural": "types d'adhésion",
                "ordering": ["association__name", "order", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("association", "name"), name="unique_membership_type_name")
                ],
            },
        ),
        migrations.RenameField(model_name="membership", old_name="category", new_name="category_text"),
        migrations.RenameField(model_name="membership", old_name="college", new_name="college_text"),
        migrations.AddField(
            model_name="membership",
            name="membership_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="registry.membershiptype",
                verbose_name="type d'adhésion",
            ),
        ),
        migrations.AddField(
            model_name="membership",
            name="college",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="registry.college",
                verbose_name="collège",
            ),
        ),
    ]
