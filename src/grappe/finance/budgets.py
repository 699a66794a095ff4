"""Budgets: forecast against actual, by territory and office, with shared action plans split across territories.

One computation (``budget_overview``) feeds the overview page, the action plan page and the CSV/XLSX exports,
so the figures a director reads on screen are the ones the spreadsheet holds.

Where an amount goes:
- a line or entry with a territory, or with an office (the office's territory), goes to that territory;
- a line or entry of an action plan with neither is the plan's shared cost: it is split among the plan's
  territories by fixed shares or by their member counts, to the cent (``allocation.allocate``), per category;
- anything else is network-wide (« Réseau »), as are the fees the network pays to the bodies it belongs to;
- dues are read live from the dues of the year: issued (forecast) and paid on them (actual), each due placed in
  the territory of its membership's establishment (or of the member's head office, or any site of it).

Territorial staff see their territories' columns only (``grappe.core.access.budget_territories``); the
network-wide part and the totals of the whole network are head office's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import OuterRef, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import access
from grappe.errors import NotFound, UserError
from grappe.finance.allocation import AllocationError, allocate
from grappe.finance.budget_models import (
    EXPENSE_CATEGORIES,
    INCOME_CATEGORIES,
    LIVE_CATEGORIES,
    ActionPlan,
    ActualEntry,
    AffiliationFee,
    Budget,
    BudgetLine,
    Category,
    Direction,
)
from grappe.finance.models import Allocation, Due
from grappe.registry.models import Establishment, Office, StaffMember, Territory
from grappe.registry.stats import active_memberships, count_in_departements

NETWORK = None  # the key of what belongs to no territory

ACTION_LABELS = {
    "finance.budget_actual": gettext_lazy("saisie d'un réalisé budgétaire"),
}


class BudgetError(UserError):
    code = "grappe.finance.budget"


def cents(amount: Decimal | float | int | None) -> int:
    """A stored amount in euros as cents, rounded half up (SQLite hands decimals back as binary floats)."""
    if amount is None:
        return 0
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def euros(amount_cents: int) -> Decimal:
    return (Decimal(amount_cents) / 100).quantize(Decimal("0.01"))


# -- the figures ---------------------------------------------------------------------------------------------


@dataclass
class Figure:
    forecast_cents: int = 0
    actual_cents: int = 0

    def add(self, forecast: int = 0, actual: int = 0) -> None:
        self.forecast_cents += forecast
        self.actual_cents += actual

    @property
    def variance_cents(self) -> int:
        """Actual minus forecast: above zero, more came in (income) or went out (expense) than planned."""
        return self.actual_cents - self.forecast_cents

    @property
    def forecast(self) -> Decimal:
        return euros(self.forecast_cents)

    @property
    def actual(self) -> Decimal:
        return euros(self.actual_cents)

    @property
    def variance(self) -> Decimal:
        return euros(self.variance_cents)


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    figure: Figure


@dataclass
class Column:
    """One territory's part of the budget (``territory`` None: the network-wide part)."""

    territory: Territory | None
    figures: dict[str, Figure] = field(default_factory=lambda: defaultdict(Figure))
    shared: Figure = field(default_factory=Figure)  # of which: its part of shared action plans

    @property
    def name(self) -> str:
        return self.territory.name if self.territory else _("Réseau (non rattaché à un territoire)")

    def rows(self, categories: Iterable[str]) -> list[CategoryRow]:
        return [
            CategoryRow(category, str(Category(category).label), self.figures[category])
            for category in categories
            if category in self.figures
        ]

    @property
    def income_rows(self) -> list[CategoryRow]:
        return self.rows(INCOME_CATEGORIES)

    @property
    def expense_rows(self) -> list[CategoryRow]:
        return self.rows(EXPENSE_CATEGORIES)

    def total(self, categories: Iterable[str]) -> Figure:
        total = Figure()
        for category in categories:
            if category in self.figures:
                figure = self.figures[category]
                total.add(figure.forecast_cents, figure.actual_cents)
        return total

    @property
    def income(self) -> Figure:
        return self.total(INCOME_CATEGORIES)

    @property
    def expense(self) -> Figure:
        return self.total(EXPENSE_CATEGORIES)

    @property
    def balance(self) -> Figure:
        income, expense = self.income, self.expense
        return Figure(
            income.forecast_cents - expense.forecast_cents, income.actual_cents - expense.actual_cents
        )


@dataclass(frozen=True)
class OfficeRow:
    office: Office
    staff: int  # staff lines of the office in the budget
    expense: Figure


@dataclass(frozen=True)
class PlanPart:
    """A plan's figures as they fall on one territory (``territory`` None: it could not be split)."""

    territory: Territory | None
    weight: int
    direct: Figure  # lines and entries of the plan placed in that territory
    shared: Figure  # its share of the plan's unplaced lines and entries

    @property
    def total(self) -> Figure:
        return Figure(
            self.direct.forecast_cents + self.shared.forecast_cents,
            self.direct.actual_cents + self.shared.actual_cents,
        )


@dataclass
class PlanSplit:
    plan: ActionPlan
    parts: list[PlanPart]
    unplaced: Figure  # what the plan's territories share (lines and entries without a territory)
    warning: str = ""


@dataclass
class Overview:
    budget: Budget
    columns: list[Column]  # visible territories, then (head office only) the network-wide part
    offices: list[OfficeRow]
    plans: list[PlanSplit]
    whole_network: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def totals(self) -> Column:
        total = Column(territory=None)
        for column in self.columns:
            for category, figure in column.figures.items():
                total.figures[category].add(figure.forecast_cents, figure.actual_cents)
        return total


# -- reading a budget ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    category: str
    territory_id: int | None
    office_id: int | None
    plan_id: int | None
    forecast: int
    actual: int
    staff: bool = False


def _typed_items(budget: Budget) -> Iterator[_Item]:
    for line in BudgetLine.objects.filter(budget=budget).select_related("office").order_by("pk"):
        yield _Item(
            line.category,
            line.territory_id or (line.office.territory_id if line.office else None),
            line.office_id,
            line.action_plan_id,
            line.forecast_cents,
            0,
            staff=line.staff_member_id is not None or line.category == Category.STAFF,
        )
    for entry in ActualEntry.objects.filter(budget=budget).select_related("office").order_by("pk"):
        yield _Item(
            entry.category,
            entry.territory_id or (entry.office.territory_id if entry.office else None),
            entry.office_id,
            entry.action_plan_id,
            0,
            entry.amount_cents,
        )


def _territory_of_departement(budget: Budget) -> dict[str, int]:
    return {
        code: territory.pk
        for territory in Territory.objects.filter(association=budget.association_id)
        for code in territory.departement_codes or ()
    }


def _dues_items(budget: Budget) -> Iterator[_Item]:
    """The year's dues of the association's members: issued (forecast) and paid (actual), by territory."""
    site = Establishment.objects.filter(organisation_id=OuterRef("membership__organisation_id")).order_by(
        "-is_head_office", "pk"
    )
    dues = Due.objects.filter(
        year=budget.year, membership__association_id=budget.association_id, cancelled_at__isnull=True
    ).annotate(site_departement=Subquery(site.values("departement_code")[:1]))
    paid = {
        due_id: cents(total)
        for due_id, total in Allocation.objects.counted()
        .filter(due__in=dues.values("pk"))
        .values("due_id")
        .annotate(total=Sum("amount"))
        .values_list("due_id", "total")
    }
    territories = _territory_of_departement(budget)
    rows = dues.values_list("pk", "amount", "membership__establishment__departement_code", "site_departement")
    for pk, amount, own, fallback in rows.iterator(chunk_size=5000):
        territory = territories.get(own or fallback or "")
        yield _Item(Category.DUES, territory, None, None, cents(amount), paid.get(pk, 0))


def _affiliation_items(budget: Budget) -> Iterator[_Item]:
    fees = AffiliationFee.objects.filter(year=budget.year, affiliation__association_id=budget.association_id)
    for amount, paid_on in fees.values_list("amount_cents", "paid_on"):
        yield _Item(Category.AFFILIATIONS, None, None, None, amount, amount if paid_on else 0)


def plan_weights(plan: ActionPlan) -> dict[int, int]:
    """Each territory of the plan and its weight: its fixed share, or its number of members."""
    shares = list(plan.shares.select_related("territory").order_by("territory__name"))
    if plan.allocation == ActionPlan.Allocation.FIXED_SHARES:
        return {share.territory_id: share.weight for share in shares}
    members = active_memberships(plan.association)
    return {
        share.territory_id: count_in_departements(members, share.territory.departement_codes or ())
        for share in shares
    }


def _split_plans(
    plans: list[ActionPlan], items: list[_Item], territories: dict[int, Territory]
) -> tuple[list[PlanSplit], list[_Item]]:
    """Each plan's unplaced items split among its territories: the splits, and the items they become."""
    splits: list[PlanSplit] = []
    placed: list[_Item] = []
    for plan in plans:
        weights = plan_weights(plan)
        own = [item for item in items if item.plan_id == plan.pk]
        unplaced = [item for item in own if item.territory_id is None]
        direct: dict[int | None, Figure] = defaultdict(Figure)
        for item in own:
            if item.territory_id is not None:
                direct[item.territory_id].add(item.forecast, item.actual)
        shared: dict[int | None, Figure] = defaultdict(Figure)
        by_category: dict[str, Figure] = defaultdict(Figure)
        for item in unplaced:
            by_category[item.category].add(item.forecast, item.actual)
        warning = ""
        for category, figure in by_category.items():
            forecast: dict[int | None, int]
            actual: dict[int | None, int]
            try:
                split_forecast = allocate(figure.forecast_cents, weights)
                split_actual = allocate(figure.actual_cents, weights)
                forecast = {
                    key: part for key, part in split_forecast.items()
                }  # widens the key type to int | None
                actual = {key: part for key, part in split_actual.items()}
            except AllocationError:
                warning = _(
                    "Le plan « %(plan)s » n'a aucun territoire avec une clé de répartition positive : ses "
                    "dépenses communes restent au niveau du réseau. Ajoutez ses territoires (administration, "
                    "plans d'actions)."
                ) % {"plan": plan.name}
                forecast, actual = {NETWORK: figure.forecast_cents}, {NETWORK: figure.actual_cents}
            for territory_id in forecast:
                shared[territory_id].add(forecast[territory_id], actual[territory_id])
                placed.append(
                    _Item(category, territory_id, None, plan.pk, forecast[territory_id], actual[territory_id])
                )
        unplaced_total = Figure()
        for figure in by_category.values():
            unplaced_total.add(figure.forecast_cents, figure.actual_cents)
        keys = list(weights) + [key for key in (*direct, *shared) if key not in weights]
        parts = [
            PlanPart(
                territories.get(key) if key else None,
                weights.get(key, 0) if key else 0,
                direct[key],
                shared[key],
            )
            for key in keys
        ]
        splits.append(PlanSplit(plan, parts, unplaced_total, warning))
    return splits, placed


def budget_overview(budget: Budget, *, user: Any) -> Overview:
    """The budget as ``user`` may read it: their territories' columns (everything for head office)."""
    visible = access.budget_territories(user)
    territories = {t.pk: t for t in Territory.objects.filter(association=budget.association_id)}
    typed = list(_typed_items(budget))
    plan_ids = {item.plan_id for item in typed if item.plan_id}
    plans = list(
        ActionPlan.objects.filter(pk__in=plan_ids)
        .select_related("association")
        .prefetch_related("shares__territory")
        .order_by("name")
    )
    territories |= {share.territory_id: share.territory for plan in plans for share in plan.shares.all()}
    splits, shared_items = _split_plans(plans, typed, territories)
    items = [item for item in typed if not (item.plan_id and item.territory_id is None)]
    items += shared_items + list(_dues_items(budget)) + list(_affiliation_items(budget))
    columns: dict[int | None, Column] = {}
    for item in items:
        column = columns.setdefault(item.territory_id, Column(territories.get(item.territory_id or 0)))
        column.figures[item.category].add(item.forecast, item.actual)
    for item in shared_items:
        columns[item.territory_id].shared.add(item.forecast, item.actual)
    shown = [
        column
        for key, column in sorted(columns.items(), key=lambda pair: (pair[0] is None, pair[1].name))
        if (visible is None) or (key is not None and key in visible)
    ]
    return Overview(
        budget=budget,
        columns=shown,
        offices=_office_rows(budget, typed, visible),
        plans=[split for split in splits if _plan_visible(split.plan, visible)],
        whole_network=visible is None,
        warnings=[split.warning for split in splits if split.warning and visible is None],
    )


def _plan_visible(plan: ActionPlan, visible: set[int] | None) -> bool:
    return visible is None or any(share.territory_id in visible for share in plan.shares.all())


def _office_rows(budget: Budget, items: list[_Item], visible: set[int] | None) -> list[OfficeRow]:
    offices = Office.objects.filter(
        pk__in={item.office_id for item in items if item.office_id}
    ).select_related("territory")
    rows = []
    for office in sorted(offices, key=lambda o: o.name):
        if visible is not None and office.territory_id not in visible:
            continue
        expense = Figure()
        staff = 0
        for item in items:
            if item.office_id == office.pk and item.category in EXPENSE_CATEGORIES:
                expense.add(item.forecast, item.actual)
                staff += item.staff and item.forecast > 0
        rows.append(OfficeRow(office, staff, expense))
    return rows


def plan_split(plan: ActionPlan, *, user: Any) -> PlanSplit:
    """One plan's parts by territory, from its year's budget (or its lines alone when there is none)."""
    budget = Budget.objects.filter(association=plan.association_id, year=plan.year).first()
    territories = {share.territory_id: share.territory for share in plan.shares.select_related("territory")}
    items = [item for item in _typed_items(budget) if item.plan_id == plan.pk] if budget else []
    territories |= {
        t.pk: t
        for t in Territory.objects.filter(
            pk__in={i.territory_id for i in items if i.territory_id is not None}
        )
    }
    splits, _placed = _split_plans([plan], items, territories)
    return splits[0]


# -- lookups with access -------------------------------------------------------------------------------------


def visible_budgets(user: Any) -> Any:
    """Every staff member lists the budgets; what each shows them is narrowed by ``budget_overview``."""
    return Budget.objects.select_related("association").order_by("association__name", "-year")


def budget_for(user: Any, pk: int) -> Budget:
    budget = visible_budgets(user).filter(pk=pk).first()
    if budget is None:
        raise NotFound(f"Budget n° {pk} introuvable.")
    return budget


def action_plan_for(user: Any, pk: int) -> ActionPlan:
    """A plan shared with one of ``user``'s territories (any, for head office), else ``NotFound``."""
    plans = access.restrict_action_plans(user, ActionPlan.objects.select_related("association"))
    plan = plans.filter(pk=pk).first()
    if plan is None:
        raise NotFound(f"Plan d'actions n° {pk} introuvable.")
    return plan


def plan_lines(plan: ActionPlan) -> list[BudgetLine]:
    return list(
        BudgetLine.objects.filter(action_plan=plan)
        .select_related("territory", "office", "staff_member")
        .order_by("category", "label")
    )


# -- recording -----------------------------------------------------------------------------------------------


def check_placement(
    *,
    budget: Budget,
    category: str,
    territory: Territory | None,
    office: Office | None,
    action_plan: ActionPlan | None,
    staff_member: StaffMember | None = None,
) -> None:
    """Refuse a line or entry whose place does not belong to the budget's association and year."""
    if category in LIVE_CATEGORIES:
        raise BudgetError(
            _(
                "« %(category)s » se calcule à partir des cotisations et des adhésions du réseau : rien à saisir."
            )
            % {"category": Category(category).label},
            hint=_("Choisissez une autre catégorie."),
        )
    if category not in Category.values:
        raise BudgetError(_("Catégorie inconnue : « %(category)s ».") % {"category": category})
    association = budget.association_id
    for thing, label in ((territory, _("Le territoire")), (office, _("L'implantation"))):
        if thing is not None and thing.association_id != association:
            raise BudgetError(
                _("%(what)s « %(name)s » n'appartient pas à %(association)s.")
                % {"what": label, "name": thing.name, "association": budget.association}
            )
    if office and territory and office.territory_id and office.territory_id != territory.pk:
        raise BudgetError(
            _("L'implantation « %(office)s » est dans le territoire « %(own)s », pas « %(territory)s ».")
            % {
                "office": office.name,
                "own": office.territory.name if office.territory else "",
                "territory": territory.name,
            },
            hint=_("Laissez le territoire vide : celui de l'implantation s'applique."),
        )
    if action_plan and (action_plan.association_id != association or action_plan.year != budget.year):
        raise BudgetError(
            _("Le plan d'actions « %(plan)s » n'est pas un plan %(year)s de %(association)s.")
            % {"plan": action_plan, "year": budget.year, "association": budget.association}
        )
    if staff_member and staff_member.association_id != association:
        raise BudgetError(
            _("%(person)s n'est pas salarié(e) de %(association)s.")
            % {"person": staff_member, "association": budget.association}
        )


# -- exports -------------------------------------------------------------------------------------------------

EXPORT_HEADER = ("Territoire", "Sens", "Catégorie", "Prévu (€)", "Réalisé (€)", "Écart (€)")


def export_rows(overview: Overview) -> Iterator[tuple[object, ...]]:
    """The overview as rows, the same for CSV and XLSX: one per territory and category, then the totals."""
    directions = ((Direction.INCOME, INCOME_CATEGORIES), (Direction.EXPENSE, EXPENSE_CATEGORIES))
    columns = [*overview.columns, overview.totals]
    for index, column in enumerate(columns):
        name = _("Total") if index == len(columns) - 1 else column.name
        for direction, categories in directions:
            for row in column.rows(categories):
                figure = row.figure
                yield (
                    name,
                    str(Direction(direction).label),
                    row.label,
                    figure.forecast,
                    figure.actual,
                    figure.variance,
                )
