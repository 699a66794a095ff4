"""Actual budget entries: typed in by staff, changed, deleted, or imported from the accounting's export.

An entry realises a forecast line (``line``, optional) or is placed by hand (category, territory, office, action
plan); given both, they must agree. Every write is checked here, whoever calls (pages, admin, demo), and audited.

Territorial staff write what they read (``grappe.core.access.budget_territories``, the budget pages' rule): an
entry whose territory (its own, or its office's) is one of theirs. The network-wide part and a shared plan's
common costs are head office's, as their columns are.

The import reads an accounting export (CSV or XLSX: date, label, amount, line code), checks every row and writes
nothing unless every row is right; each refused row is named with its line and column.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import access
from grappe.core.audit import changes_between, record_event, values_of
from grappe.errors import Location, NotFound, UserError
from grappe.finance.budget_models import ActionPlan, ActualEntry, Budget, BudgetLine, Category
from grappe.finance.budgets import BudgetError, cents, check_placement
from grappe.france.amounts import check_amount
from grappe.france.dates import check_date
from grappe.france.text import clean_text, fold
from grappe.intake.formats import delimited, spreadsheet
from grappe.intake.formats.base import ReadError, Record, column_letter
from grappe.intake.formats.detect import detect_format
from grappe.intake.formats.limits import current_limits
from grappe.intake.formats.text import choose_encoding, decoded_head, scan_file
from grappe.registry.models import Office, Territory

ACTION_LABELS = {
    "finance.budget_actual_changed": gettext_lazy("modification d'un réalisé budgétaire"),
    "finance.budget_actual_deleted": gettext_lazy("suppression d'un réalisé budgétaire"),
    "finance.budget_actuals_imported": gettext_lazy("import de réalisés budgétaires"),
}
MAX_IMPORT_ROWS = 20_000
_AUDITED_FIELDS = ("line", "category", "label", "date", "amount_cents", "territory", "office", "action_plan")


class EntryError(BudgetError):
    """A refusal about one field of the entry form (``field``), or about the entry as a whole (``""``)."""

    def __init__(self, message: str, *, field: str = "", hint: str = "", location: Location | None = None):
        super().__init__(message, hint=hint, location=location)
        self.field = field


class ImportRefused(UserError):
    """The file has bad rows: every one of them, located; nothing was written."""

    code = "grappe.finance.actuals_import"

    def __init__(self, problems: list[UserError], *, file_name: str):
        super().__init__(
            _("%(count)d ligne(s) refusée(s) dans « %(file)s » : aucun réalisé n'a été enregistré.")
            % {"count": len(problems), "file": file_name},
            hint=_("Corrigez ces lignes dans le fichier et déposez-le de nouveau."),
        )
        self.problems = problems


# -- amounts -------------------------------------------------------------------------------------------------


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


# -- importing the accounting's export -----------------------------------------------------------------------

_COLUMNS = {
    "date": {
        "date",
        "date comptable",
        "date d ecriture",
        "date ecriture",
        "date de l ecriture",
        "date operation",
    },
    "label": {"libelle", "libelle ecriture", "libelle de l ecriture", "intitule", "designation"},
    "amount": {"montant", "montant eur", "montant euros", "montant ttc", "montant ht"},
    "code": {
        "code ligne",
        "code de ligne",
        "code",
        "ligne",
        "code analytique",
        "code budgetaire",
        "analytique",
    },
}
_COLUMN_NAMES = {
    "date": "« Date »",
    "label": "« Libellé »",
    "amount": "« Montant »",
    "code": "« Code ligne »",
}


@dataclass(frozen=True)
class ImportOutcome:
    entries: int
    total_cents: int


def _records(path: Path, file_name: str) -> tuple[Iterator[Record], str]:
    limits = current_limits()
    scan = scan_file(path)
    if scan.size == 0:
        raise ReadError(_("ce fichier est vide (0 octet)."), location=Location(file=file_name))
    file_format = detect_format(path, scan.head, file_name=file_name)
    if file_format == "csv":
        encoding = choose_encoding(path, scan, file_name=file_name)
        delimiter, width = delimited.detect_delimiter(decoded_head(scan, encoding))
        records = delimited.read_records(
            path,
            encoding=encoding,
            delimiter=delimiter,
            file_name=file_name,
            expected_width=width,
            limits=limits,
        )
        return records, ""
    with spreadsheet.opened_workbook(path, file_name=file_name, limits=limits) as workbook:
        sheet = spreadsheet.choose_sheet(workbook, None, file_name=file_name)
    return spreadsheet.read_records(path, sheet=sheet, file_name=file_name, limits=limits), sheet


def _header(records: Iterator[Record], file_name: str, sheet: str) -> tuple[int, dict[str, int], list[str]]:
    for record in records:
        if record.is_blank:
            continue
        roles: dict[str, int] = {}
        for index, cell in enumerate(record.cells):
            key = fold(cell).replace("€", "").strip()
            for role, names in _COLUMNS.items():
                if key in names and role not in roles:
                    roles[role] = index
        missing = [name for role, name in _COLUMN_NAMES.items() if role not in roles]
        if missing:
            raise ReadError(
                _("colonne(s) %(missing)s introuvable(s) dans la ligne d'en-tête.")
                % {"missing": ", ".join(missing)},
                location=Location(file=file_name, sheet=sheet, line=record.line),
                hint=_(
                    "La première ligne du fichier nomme les colonnes : « Date », « Libellé », « Montant » et "
                    "« Code ligne » (le code de la ligne de budget)."
                ),
            )
        return record.line, roles, list(record.cells)
    raise ReadError(_("ce fichier ne contient aucune ligne."), location=Location(file=file_name, sheet=sheet))


@dataclass(frozen=True)
class _Row:
    line: int
    date: datetime.date
    label: str
    amount_cents: int
    budget_line: BudgetLine


def _read_row(
    record: Record,
    roles: dict[str, int],
    headers: list[str],
    *,
    budget: Budget,
    lines: dict[str, BudgetLine],
    user: Any,
    file_name: str,
    sheet: str,
) -> _Row:
    def cell(role: str) -> str:
        index = roles[role]
        return clean_text(record.cells[index]) if index < len(record.cells) else ""

    def located(role: str, message: str, hint: str = "") -> UserError:
        index = roles[role]
        column = f"{column_letter(index)} ({clean_text(headers[index])})"
        return UserError(
            message,
            location=Location(file=file_name, sheet=sheet, line=record.line, column=column),
            hint=hint,
        )

    date = check_date(cell("date"))
    if date.value is None:
        raise located("date", date.problem.render() if date.problem else _("La date est obligatoire."))
    try:
        amount = parse_amount(cell("amount"))
    except EntryError as error:
        raise located("amount", error.message) from None
    code = cell("code")
    line = lines.get(fold(code))
    if line is None:
        known = ", ".join(sorted(line.code for line in lines.values())[:12])
        raise located(
            "code",
            _("Code de ligne « %(code)s » inconnu dans le budget %(year)s.")
            % {"code": code[:30], "year": budget.year},
            hint=_("Codes des lignes de ce budget : %(known)s.")
            % {"known": known or _("aucun (donnez un code aux lignes du budget)")},
        )
    label = cell("label")
    try:
        placement = resolve_placement(budget=budget, line=line)
        check_entry(
            budget=budget, placement=placement, label=label, date=date.value, amount_cents=amount, user=user
        )
    except EntryError as error:
        role = {"date": "date", "amount": "amount", "label": "label"}.get(error.field, "code")
        raise located(role, error.message, error.hint) from None
    return _Row(record.line, date.value, label, amount, line)


_IMPORT_HINT = (
    "Exportez les écritures depuis le logiciel de comptabilité au format CSV ou XLSX, avec les colonnes "
    "« Date », « Libellé », « Montant » et « Code ligne »."
)


def read_import(path: Path, *, budget: Budget, file_name: str, user: Any) -> list[_Row]:
    """Every row of the file, checked; ``ImportRefused`` naming every bad row (or ``ReadError`` for the file)."""
    try:
        return _read_import(path, budget=budget, file_name=file_name, user=user)
    except ReadError as error:
        # The intake's readers speak of a members' list: say what this file should be instead.
        hint = _IMPORT_HINT if "adhérent" in error.hint else error.hint
        message = error.message.replace("un tableau d'adhérents", "un tableau")
        raise ReadError(message, location=error.location, hint=hint, code=error.code) from None


def _read_import(path: Path, *, budget: Budget, file_name: str, user: Any) -> list[_Row]:
    records, sheet = _records(path, file_name)
    header_line, roles, headers = _header(records, file_name, sheet)
    lines = {
        fold(line.code): line
        for line in BudgetLine.objects.filter(budget=budget)
        .exclude(code="")
        .select_related("territory", "office", "action_plan")
    }
    rows: list[_Row] = []
    problems: list[UserError] = []
    for record in records:
        if record.is_blank:
            continue
        if len(rows) + len(problems) >= MAX_IMPORT_ROWS:
            raise ReadError(
                _("plus de %(count)d lignes : déposez l'export d'une période plus courte.")
                % {"count": MAX_IMPORT_ROWS},
                location=Location(file=file_name, sheet=sheet, line=record.line),
            )
        try:
            rows.append(
                _read_row(
                    record,
                    roles,
                    headers,
                    budget=budget,
                    lines=lines,
                    user=user,
                    file_name=file_name,
                    sheet=sheet,
                )
            )
        except UserError as error:
            problems.append(error)
    if problems:
        raise ImportRefused(problems, file_name=file_name)
    if not rows:
        raise ReadError(
            _("aucune ligne de réalisé sous l'en-tête (ligne %(line)d).") % {"line": header_line},
            location=Location(file=file_name, sheet=sheet, line=header_line),
        )
    return rows


@transaction.atomic
def import_actuals(path: Path, *, budget: Budget, file_name: str, user: Any) -> ImportOutcome:
    """All the file's rows as entries of ``budget``, or none of them."""
    rows = read_import(path, budget=budget, file_name=file_name, user=user)
    for row in rows:
        record_actual(
            budget=budget,
            label=row.label,
            date=row.date,
            amount_cents=row.amount_cents,
            line=row.budget_line,
            user=user,
        )
    outcome = ImportOutcome(len(rows), sum(row.amount_cents for row in rows))
    record_event(
        action="finance.budget_actuals_imported",
        user=user,
        target=budget,
        details={"file": file_name, "entries": outcome.entries, "total_cents": outcome.total_cents},
    )
    return outcome
