"""Import actual entries from the accounting's export (CSV or XLSX: date, label, amount, line code).

The amount is one column (« Montant »), or two as most accounting software writes them (« Débit » and
« Crédit »): an expense line then takes the debit less any credit, an income line the credit less any debit.

Every row is checked by the rules of ``actuals`` before anything is written; a file with any bad row writes
nothing and names each bad row with its line and column. The rows are written in one transaction, each through
``actuals.record_actual`` (checked again, audited), and the import itself leaves one more event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.errors import Location, UserError
from grappe.finance import actuals
from grappe.finance.budget_models import Budget, BudgetLine, Direction
from grappe.france.dates import check_date
from grappe.france.text import clean_text, fold
from grappe.intake.formats import delimited, spreadsheet
from grappe.intake.formats.base import ReadError, Record, column_letter
from grappe.intake.formats.detect import detect_format
from grappe.intake.formats.limits import current_limits
from grappe.intake.formats.text import choose_encoding, decoded_head, scan_file

MAX_IMPORT_ROWS = 20_000


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
    "debit": {"debit", "montant debit", "debit eur"},
    "credit": {"credit", "montant credit", "credit eur"},
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
        if "amount" not in roles and {"debit", "credit"} <= roles.keys():
            roles["amount"] = -1  # read from the two columns, by the line's direction
        missing = [name for role, name in _COLUMN_NAMES.items() if role not in roles]
        if missing:
            raise ReadError(
                _("colonne(s) %(missing)s introuvable(s) dans la ligne d'en-tête.")
                % {"missing": ", ".join(missing)},
                location=Location(file=file_name, sheet=sheet, line=record.line),
                hint=_(
                    "La première ligne du fichier nomme les colonnes : « Date », « Libellé », « Montant » (ou "
                    "« Débit » et « Crédit ») et « Code ligne » (le code de la ligne de budget)."
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
        if role == "amount" and roles["amount"] < 0:
            role = "debit"
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
    if roles["amount"] >= 0:
        try:
            amount = actuals.parse_amount(cell("amount"))
        except actuals.EntryError as error:
            raise located("amount", error.message) from None
    else:
        amount = _debit_credit_amount(cell, located, line)
    label = cell("label")
    try:
        actuals.checked_placement(
            budget=budget, line=line, label=label, date=date.value, amount_cents=amount, user=user
        )
    except actuals.EntryError as error:
        role = {"date": "date", "amount": "amount", "label": "label"}.get(error.field, "code")
        raise located(role, error.message, error.hint) from None
    return _Row(record.line, date.value, label, amount, line)


def _debit_credit_amount(
    cell: Callable[[str], str], located: Callable[..., UserError], line: BudgetLine
) -> int:
    """The row's amount from its « Débit » and « Crédit » cells, in cents: what goes the line's way (the debit
    of an expense, the credit of an income) less what comes back; refused, at the column that is off, when
    nothing is left."""
    sides: dict[str, int] = {}
    for role in ("debit", "credit"):
        raw = cell(role)
        if not raw or actuals.is_zero_amount(raw):
            sides[role] = 0
            continue
        try:
            sides[role] = actuals.parse_amount(raw)
        except actuals.EntryError as error:
            raise located(role, error.message) from None
    expense = line.direction == Direction.EXPENSE
    way, back = ("debit", "credit") if expense else ("credit", "debit")
    amount = sides[way] - sides[back]
    if amount > 0:
        return amount
    if not sides[way] and not sides[back]:
        raise located(way, _("Ni débit ni crédit : un réalisé a un montant."))
    names = {"debit": _("Débit"), "credit": _("Crédit")}
    values = {
        "back": names[back],
        "back_amount": f"{sides[back] / 100:.2f}".replace(".", ","),
        "way": names[way].lower(),
        "way_amount": f"{sides[way] / 100:.2f}".replace(".", ","),
        "line": line.label,
    }
    if expense:
        message = _(
            "%(back)s de %(back_amount)s € (%(way)s : %(way_amount)s €) sur la ligne de dépense « %(line)s » : "
            "une dépense réalisée se lit au débit, il ne reste rien à enregistrer."
        )
    else:
        message = _(
            "%(back)s de %(back_amount)s € (%(way)s : %(way_amount)s €) sur la ligne de recette « %(line)s » : "
            "une recette réalisée se lit au crédit, il ne reste rien à enregistrer."
        )
    raise located(
        back,
        message % values,
        _("Un remboursement ou une annulation se saisit en diminuant le réalisé qu'il corrige."),
    )


_IMPORT_HINT = gettext_lazy(
    "Exportez les écritures depuis le logiciel de comptabilité au format CSV ou XLSX, avec les colonnes "
    "« Date », « Libellé », « Montant » (ou « Débit » et « Crédit ») et « Code ligne »."
)


def read_import(path: Path, *, budget: Budget, file_name: str, user: Any) -> list[_Row]:
    """Every row of the file, checked; ``ImportRefused`` naming every bad row (or ``ReadError`` for the file)."""
    try:
        return _read_import(path, budget=budget, file_name=file_name, user=user)
    except ReadError as error:
        # The intake's readers speak of a members' list: say what this file should be instead.
        hint = str(_IMPORT_HINT) if "adhérent" in error.hint else error.hint
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
        actuals.record_actual(
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
