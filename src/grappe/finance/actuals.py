"""Actual budget entries: typed in by staff, changed, deleted, or imported from the accounting's export.

An entry realises a forecast line (``line``, optional) or is placed by hand (category, territory, office, action
plan); given both, they must agree. Every write is checked here, whoever calls (pages, admin, demo), and audited.

Territorial staff write what they read (``grappe.core.access.budget_territories``, the budget pages' rule): an
entry whose territory (its own, or its office's) is one of theirs. The network-wide part and a shared plan's
common costs are head office's, as their columns are.

The import of the accounting's export is ``actual_imports``, which writes through ``record_actual``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import access
from grappe.core.audit import changes_between, record_event, values_of
from grappe.errors import Location, NotFound
from grappe.finance.budget_models import ActionPlan, ActualEntry, Budget, BudgetLine, Category
from grappe.finance.budgets import BudgetError, cents, check_placement
from grappe.france.amounts import check_amount
from grappe.france.text import clean_text
from grappe.registry.models import Office, Territory

ACTION_LABELS = {
    "finance.budget_actual_changed": gettext_lazy("modification d'un réalisé budgétaire"),
    "finance.budget_actual_deleted": gettext_lazy("suppression d'un réalisé budgétaire"),
    "finance.budget_actuals_imported": gettext_lazy("import de réalisés budgétaires"),
}
_AUDITED_FIELDS = ("line", "category", "label", "date", "amount_cents", "territory", "office", "action_plan")


class EntryError(BudgetError):
    """A refusal about one field of the entry form (``field``), or about the entry as a whole (``""``)."""

    def __init__(self, message: str, *, field: str = "", hint: str = "", location: Location | None = None):
        super().__init__(message, hint=hint, location=location)
        self.field = field


# -- amounts -------------------------------------------------------------------------------------------------


def is_zero_amount(text: str) -> bool:
    """« 0 », « 0,00 », « 0.00 € »: the empty side of an accounting export's debit and credit."""
    checked = check_amount(clean_text(text))
    return checked.value is not None and checked.value == 0


def parse_amount(text: str) -> int:
    """A positive amount in euros as typed (« 1 234,56 », « 1234.56 », « 150 € ») in cents; refused with why."""
    raw = clean_text(text)
    if raw.startswith(("-", "−")) or (raw.startswith("(") and raw.endswith(")")):
        raise EntryError(
            _(
                "Montant « %(value)s » négatif : saisissez un montant positif, dans une catégorie de dépense si "
                "c'est une dépense."
            )
            % {"value": raw[:40]},
            field="amount",
        )
    checked = check_amount(raw)
    if checked.value is None:
        message = checked.problem.render() if checked.problem else _("Le montant est obligatoire.")
        raise EntryError(message, field="amount")
    if checked.value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise EntryError(
            _("Montant « %(value)s » : deux décimales au plus (des centimes).") % {"value": raw[:40]},
            field="amount",
        )
    amount = cents(checked.value)
    if amount <= 0:
        raise EntryError(
            _("Montant « %(value)s » nul : un réalisé est un montant positif.") % {"value": raw[:40]},
            field="amount",
        )
    return amount


def euros_text(amount_cents: int) -> str:
    """Cents as a user types them back: « 1234,56 »."""
    return f"{amount_cents // 100},{amount_cents % 100:02d}"


# -- access --------------------------------------------------------------------------------------------------


def visible_entries(user: Any, budget: Budget) -> QuerySet[ActualEntry]:
    """The budget's entries placed in ``user``'s territories (all of them for head office)."""
    entries = ActualEntry.objects.filter(budget=budget)
    territories = access.budget_territories(user)
    if territories is not None:
        ids = sorted(territories)
        entries = entries.filter(Q(territory__in=ids) | Q(territory__isnull=True, office__territory__in=ids))
    return entries.select_related("line", "territory", "office", "action_plan", "recorded_by")


def visible_lines(user: Any, budget: Budget) -> QuerySet[BudgetLine]:
    lines = BudgetLine.objects.filter(budget=budget)
    territories = access.budget_territories(user)
    if territories is not None:
        ids = sorted(territories)
        lines = lines.filter(Q(territory__in=ids) | Q(territory__isnull=True, office__territory__in=ids))
    return lines.select_related("territory", "office", "action_plan").order_by("category", "label", "pk")


def entry_for(user: Any, pk: int) -> ActualEntry:
    """An entry ``user`` may read and write, else ``NotFound`` (the same answer whether it exists or not)."""
    entry = ActualEntry.objects.filter(pk=pk).select_related("budget__association").first()
    if entry is None or not visible_entries(user, entry.budget).filter(pk=pk).exists():
        raise NotFound(f"Réalisé n° {pk} introuvable.")
    return entry


def _check_writable(user: Any, territory: Territory | None, office: Office | None) -> None:
    """``user`` None is the command line (the demo, a script): it writes anywhere, as ``record_event`` says."""
    if user is None:
        return
    territories = access.budget_territories(user)
    if territories is None:
        return
    placed = territory.pk if territory else (office.territory_id if office else None)
    if placed is None or placed not in territories:
        raise EntryError(
            _(
                "Vous saisissez les réalisés de vos territoires : rattachez celui-ci à l'un d'eux (ou à l'une "
                "de leurs implantations). Les réalisés du réseau entier et les dépenses communes des plans "
                "mutualisés sont saisis par le siège."
            ),
            field="territory",
        )


# -- placement -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    category: str
    territory: Territory | None
    office: Office | None
    action_plan: ActionPlan | None
    line: BudgetLine | None = None


def resolve_placement(
    *,
    budget: Budget,
    line: BudgetLine | None,
    category: str = "",
    territory: Territory | None = None,
    office: Office | None = None,
    action_plan: ActionPlan | None = None,
) -> Placement:
    """Where an entry sits: its line's place, or the one given; given both, each given part must be the line's."""
    if line is None:
        if not category:
            raise EntryError(_("Choisissez une ligne de budget ou une catégorie."), field="category")
        return Placement(category, territory, office, action_plan)
    if line.budget_id != budget.pk:
        raise EntryError(
            _("La ligne « %(line)s » n'est pas une ligne de ce budget.") % {"line": line.label}, field="line"
        )
    given = (
        ("category", category or None, line.category, _("la catégorie")),
        ("territory", territory, line.territory, _("le territoire")),
        ("office", office, line.office, _("l'implantation")),
        ("action_plan", action_plan, line.action_plan, _("le plan d'actions")),
    )
    for field, value, own, what in given:
        if value is not None and value != own:
            raise EntryError(
                _(
                    "La ligne « %(line)s » est rattachée à %(own)s : %(what)s « %(value)s » ne lui correspond pas."
                )
                % {"line": line.label, "own": _describe(line), "what": what, "value": _name(value, field)},
                field=field,
                hint=_("Laissez ce champ vide : celui de la ligne s'applique."),
            )
    return Placement(line.category, line.territory, line.office, line.action_plan, line)


def _name(value: Any, field: str) -> str:
    if field == "category":
        return str(Category(value).label) if value in Category.values else str(value)
    return getattr(value, "name", str(value))


def _describe(line: BudgetLine) -> str:
    parts = [str(line.get_category_display())]
    if line.territory:
        parts.append(_("territoire %(name)s") % {"name": line.territory.name})
    if line.office:
        parts.append(_("implantation %(name)s") % {"name": line.office.name})
    if line.action_plan:
        parts.append(_("plan %(name)s") % {"name": line.action_plan.name})
    return ", ".join(parts)


def check_entry(
    *, budget: Budget, placement: Placement, label: str, date: datetime.date, amount_cents: int, user: Any
) -> None:
    """Refuse, with why and on which field, an entry that does not fit ``budget`` or ``user``'s territories."""
    if date.year != budget.year:
        raise EntryError(
            _("Le %(date)s n'est pas dans l'exercice %(year)s de ce budget.")
            % {"date": date.strftime("%d/%m/%Y"), "year": budget.year},
            field="date",
            hint=_("Saisissez une date du 01/01/%(year)s au 31/12/%(year)s.") % {"year": budget.year},
        )
    if amount_cents <= 0:
        raise EntryError(
            _("Le montant doit être positif (une dépense se saisit en catégorie de dépense)."), field="amount"
        )
    if not label.strip():
        raise EntryError(_("Le libellé est obligatoire."), field="label")
    try:
        check_placement(
            budget=budget,
            category=placement.category,
            territory=placement.territory,
            office=placement.office,
            action_plan=placement.action_plan,
        )
    except EntryError:
        raise
    except BudgetError as error:
        raise EntryError(error.message, hint=error.hint) from None
    _check_writable(user, placement.territory, placement.office)


def checked_placement(
    *,
    budget: Budget,
    line: BudgetLine | None,
    label: str,
    date: datetime.date,
    amount_cents: int,
    user: Any,
    category: str = "",
    territory: Territory | None = None,
    office: Office | None = None,
    action_plan: ActionPlan | None = None,
) -> Placement:
    """Where an entry sits (``resolve_placement``), once ``check_entry`` accepts it: the form, the import and
    the writes ask the same two questions in the same order, so they refuse the same entries the same way."""
    placement = resolve_placement(
        budget=budget,
        line=line,
        category=category,
        territory=territory,
        office=office,
        action_plan=action_plan,
    )
    check_entry(
        budget=budget, placement=placement, label=label, date=date, amount_cents=amount_cents, user=user
    )
    return placement


# -- writing -------------------------------------------------------------------------------------------------


@transaction.atomic
def record_actual(
    *,
    budget: Budget,
    label: str,
    date: datetime.date,
    amount_cents: int,
    category: str = "",
    territory: Territory | None = None,
    office: Office | None = None,
    action_plan: ActionPlan | None = None,
    line: BudgetLine | None = None,
    user: Any = None,
) -> ActualEntry:
    """Record money that came in or went out against ``budget``; refused, with why, when it does not fit."""
    placement = checked_placement(
        budget=budget,
        line=line,
        category=category,
        territory=territory,
        office=office,
        action_plan=action_plan,
        label=label,
        date=date,
        amount_cents=amount_cents,
        user=user,
    )
    entry = ActualEntry.objects.create(
        budget=budget,
        line=placement.line,
        category=placement.category,
        label=label.strip(),
        date=date,
        amount_cents=amount_cents,
        territory=placement.territory,
        office=placement.office,
        action_plan=placement.action_plan,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    record_event(
        action="finance.budget_actual",
        user=user,
        target=entry,
        parent=budget,
        details={"budget": str(budget), "category": placement.category, "amount_cents": amount_cents},
    )
    return entry


@transaction.atomic
def update_actual(
    *,
    entry: ActualEntry,
    label: str,
    date: datetime.date,
    amount_cents: int,
    category: str = "",
    territory: Territory | None = None,
    office: Office | None = None,
    action_plan: ActionPlan | None = None,
    line: BudgetLine | None = None,
    user: Any = None,
) -> ActualEntry:
    """Change an entry; the user must be able to write it where it was and where it goes."""
    budget = entry.budget
    _check_writable(user, entry.territory, entry.office)
    placement = checked_placement(
        budget=budget,
        line=line,
        category=category,
        territory=territory,
        office=office,
        action_plan=action_plan,
        label=label,
        date=date,
        amount_cents=amount_cents,
        user=user,
    )
    before = values_of(entry, _AUDITED_FIELDS)
    entry.line = placement.line
    entry.category = placement.category
    entry.label = label.strip()
    entry.date = date
    entry.amount_cents = amount_cents
    entry.territory = placement.territory
    entry.office = placement.office
    entry.action_plan = placement.action_plan
    entry.save()
    changes = changes_between(before, values_of(entry, _AUDITED_FIELDS), ActualEntry)
    if changes:
        record_event(
            action="finance.budget_actual_changed",
            user=user,
            target=entry,
            parent=budget,
            changes=changes,
        )
    return entry


@transaction.atomic
def delete_actual(*, entry: ActualEntry, user: Any = None) -> None:
    _check_writable(user, entry.territory, entry.office)
    budget = entry.budget
    label = str(entry)
    details = {"budget": str(budget), "category": entry.category, "amount_cents": entry.amount_cents}
    record_event(
        action="finance.budget_actual_deleted",
        user=user,
        target=entry,
        label=label,
        parent=budget,
        details=details,
    )
    entry.delete()
