"""Budgets, action plans and the network's own memberships (imported by ``models.py``, so Django sees them).

A ``Budget`` is an association's forecast for a year, made of ``BudgetLine``s (income or expense, a category,
optionally an office, a territory, an action plan); what really came in and went out is recorded as
``ActualEntry``s, dated, in integer cents. Two figures are never typed in, they are read live
(``budgets.py``): the dues income (the dues issued for the year and what was paid on them) and the fees the
network itself pays to the bodies it belongs to (``Affiliation`` and its yearly ``AffiliationFee``).

An ``ActionPlan`` groups lines of a year; a plan shared by several territories (mutualised after a merger)
splits its costs by ``ActionPlanShare`` weights or by member counts (``allocation.py``).

Amounts are integer cents here (``BigIntegerField``): they are added, split and compared, never rounded.
Territory and office links are SET_NULL: deleting a territory or an office by hand must not be blocked by an old
budget line. A merger that joins territories of the same name moves the absorbed one's lines, entries and shares
to the joined one first (``finance/dependents.py``), so they keep their place.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import Association, Office, Person, StaffMember, Territory


class Direction(models.TextChoices):
    INCOME = "income", _("recette")
    EXPENSE = "expense", _("dépense")


class Category(models.TextChoices):
    """What a line is for. Dues (income) and the network's own memberships (expense) are read live, never
    typed in: see ``LIVE_CATEGORIES``."""

    DUES = "dues", _("cotisations des adhérents")
    SUBSIDY = "subsidy", _("subventions régionales et publiques")
    EVENTS_INCOME = "events_income", _("recettes des événements")
    PARTNERSHIPS = "partnerships", _("partenariats et mécénat")
    OTHER_INCOME = "other_income", _("autres recettes")
    STAFF = "staff", _("salaires et charges")
    EVENTS = "events", _("événements")
    PROGRAMMES = "programmes", _("programmes et accompagnement")
    AFFILIATIONS = "affiliations", _("adhésions du réseau")
    OPERATIONS = "operations", _("fonctionnement des implantations")
    OTHER_EXPENSE = "other_expense", _("autres dépenses")


INCOME_CATEGORIES = (
    Category.DUES,
    Category.SUBSIDY,
    Category.EVENTS_INCOME,
    Category.PARTNERSHIPS,
    Category.OTHER_INCOME,
)
EXPENSE_CATEGORIES = (
    Category.STAFF,
    Category.EVENTS,
    Category.PROGRAMMES,
    Category.AFFILIATIONS,
    Category.OPERATIONS,
    Category.OTHER_EXPENSE,
)
LIVE_CATEGORIES = (Category.DUES, Category.AFFILIATIONS)
TYPED_CATEGORIES = [(value, label) for value, label in Category.choices if value not in LIVE_CATEGORIES]


def direction_of(category: str) -> str:
    return Direction.INCOME if category in INCOME_CATEGORIES else Direction.EXPENSE


class Budget(models.Model):
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="budgets"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    voted_on = models.DateField(_("voté le"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["association__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["association", "year"], name="finance_one_budget_a_year")
        ]

    def __str__(self) -> str:
        return _("Budget %(year)s de %(association)s") % {"year": self.year, "association": self.association}


class ActionPlan(models.Model):
    class Allocation(models.TextChoices):
        FIXED_SHARES = "fixed_shares", _("clés fixes")
        MEMBER_COUNTS = "member_counts", _("nombre d'adhérents de chaque territoire")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="action_plans"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    name = models.CharField(_("nom"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    allocation = models.CharField(
        _("répartition des coûts"),
        max_length=20,
        choices=Allocation.choices,
        default=Allocation.MEMBER_COUNTS,
        help_text=_(
            "Comment les dépenses du plan qui ne sont pas rattachées à un territoire sont réparties entre les "
            "territoires qui le partagent."
        ),
    )
    territories = models.ManyToManyField(
        Territory, through="ActionPlanShare", verbose_name=_("territoires"), related_name="action_plans"
    )

    class Meta:
        verbose_name = _("plan d'actions")
        verbose_name_plural = _("plans d'actions")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "year", "name"], name="finance_unique_action_plan")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class ActionPlanShare(models.Model):
    """A territory taking part in a plan, with its fixed share (read when the plan splits by fixed shares)."""

    plan = models.ForeignKey(
        ActionPlan, verbose_name=_("plan d'actions"), on_delete=models.CASCADE, related_name="shares"
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="action_plan_shares"
    )
    weight = models.PositiveIntegerField(
        _("clé de répartition"),
        default=1,
        help_text=_("Parts relatives (par exemple 50, 30, 20) : seules comptent leurs proportions."),
    )

    class Meta:
        verbose_name = _("territoire du plan")
        verbose_name_plural = _("territoires du plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "territory"], name="finance_one_share_per_territory")
        ]

    def __str__(self) -> str:
        return f"{self.plan} — {self.territory.name} ({self.weight})"


class _Placed(models.Model):
    """What a forecast line and an actual entry share: what for, and where."""

    budget = models.ForeignKey(Budget, verbose_name=_("budget"), on_delete=models.CASCADE)
    category = models.CharField(_("catégorie"), max_length=20, choices=TYPED_CATEGORIES)
    label = models.CharField(_("libellé"), max_length=200)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Vide : rattaché à l'implantation, au plan d'actions partagé ou au réseau entier."),
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("implantation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action_plan = models.ForeignKey(
        ActionPlan,
        verbose_name=_("plan d'actions"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def direction(self) -> str:
        return direction_of(self.category)


class BudgetLine(_Placed):
    code = models.CharField(
        _("code de ligne"),
        max_length=30,
        blank=True,
        help_text=_(
            "Le code sous lequel la comptabilité enregistre cette ligne (code analytique) : il rattache les "
            "réalisés importés de l'export comptable à la ligne."
        ),
    )
    staff_member = models.ForeignKey(
        StaffMember,
        verbose_name=_("salarié"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forecast_cents = models.BigIntegerField(_("prévu (centimes)"))

    class Meta:
        verbose_name = _("ligne de budget")
        verbose_name_plural = _("lignes de budget")
        ordering = ["budget", "category", "label"]
        default_related_name = "lines"
        constraints = [
            models.CheckConstraint(condition=Q(forecast_cents__gte=0), name="finance_forecast_not_negative"),
            models.UniqueConstraint(
                fields=["budget", "code"], condition=~Q(code=""), name="finance_unique_line_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} : {self.forecast_cents / 100:.2f} €"

    @property
    def forecast_euros(self) -> Decimal:
        return (Decimal(self.forecast_cents) / 100).quantize(Decimal("0.01"))


class ActualEntry(_Placed):
    """Money that really came in or went out, as the accounts recorded it; ``line``, when given, is the
    forecast line it realises, and the entry then sits where the line sits (``actuals.resolve_placement``)."""

    line = models.ForeignKey(
        BudgetLine,
        verbose_name=_("ligne de budget"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    date = models.DateField(_("date"))
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réalisé")
        verbose_name_plural = _("réalisés")
        ordering = ["-date", "-pk"]
        default_related_name = "entries"
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="finance_actual_positive")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.label} : {self.amount_cents / 100:.2f} €"

    @property
    def amount_euros(self) -> Decimal:
        return (Decimal(self.amount_cents) / 100).quantize(Decimal("0.01"))


# -- the network's own memberships and partnerships --------------------------------------------------------


class Affiliation(models.Model):
    """A body the network itself belongs to or partners with (an accelerator's GIP, the French Tech community,
    a regional agency), with its renewal date."""

    class Relation(models.TextChoices):
        MEMBERSHIP = "membership", _("adhésion")
        PARTNERSHIP = "partnership", _("partenariat")

    class Kind(models.TextChoices):
        ACCELERATOR = "accelerator", _("accélérateur (GIP)")
        FRENCH_TECH = "french_tech", _("communauté French Tech")
        REGIONAL_BODY = "regional_body", _("organisme régional")
        NETWORK = "network", _("réseau de clusters")
        OTHER = "other", _("autre")

    association = models.ForeignKey(
        Association, verbose_name=_("réseau"), on_delete=models.PROTECT, related_name="affiliations"
    )
    counterpart = models.CharField(_("organisme"), max_length=200)
    kind = models.CharField(_("type d'organisme"), max_length=20, choices=Kind.choices)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    since = models.DateField(_("depuis le"), null=True, blank=True)
    renewal_on = models.DateField(
        _("prochain renouvellement"),
        null=True,
        blank=True,
        help_text=_("Date à laquelle l'adhésion ou la convention doit être renouvelée."),
    )
    ended_on = models.DateField(_("terminée le"), null=True, blank=True)
    website = models.URLField(_("site web"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("adhésion ou partenariat du réseau")
        verbose_name_plural = _("adhésions et partenariats du réseau")
        ordering = ["association__name", "counterpart"]
        constraints = [
            models.UniqueConstraint(fields=["association", "counterpart"], name="finance_unique_affiliation")
        ]

    def __str__(self) -> str:
        return f"{self.counterpart} ({self.get_relation_display()})"


class AffiliationFee(models.Model):
    affiliation = models.ForeignKey(
        Affiliation, verbose_name=_("adhésion du réseau"), on_delete=models.CASCADE, related_name="fees"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    amount_cents = models.BigIntegerField(_("montant (centimes)"))
    paid_on = models.DateField(_("payée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("cotisation versée")
        verbose_name_plural = _("cotisations versées")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["affiliation", "year"], name="finance_one_affiliation_fee_a_year"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0), name="finance_affiliation_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.affiliation.counterpart} {self.year} : {self.amount_cents / 100:.2f} €"

    @property
    def amount_euros(self) -> Decimal:
        return (Decimal(self.amount_cents) / 100).quantize(Decimal("0.01"))


class AffiliationRepresentative(models.Model):
    """Who sits for the network in that body: one of its staff, or a person of the registry (an elected
    administrator)."""

    affiliation = models.ForeignKey(
        Affiliation,
        verbose_name=_("adhésion du réseau"),
        on_delete=models.CASCADE,
        related_name="representatives",
    )
    staff_member = models.ForeignKey(
        StaffMember,
        verbose_name=_("salarié"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("personne"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("rôle"), max_length=120, default="représentant titulaire")

    class Meta:
        verbose_name = _("représentant du réseau")
        verbose_name_plural = _("représentants du réseau")
        constraints = [
            models.CheckConstraint(
                condition=Q(staff_member__isnull=False, person__isnull=True)
                | Q(staff_member__isnull=True, person__isnull=False),
                name="finance_representative_is_staff_or_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member or self.person} — {self.role}"
