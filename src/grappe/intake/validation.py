"""One row of an export → the normalised values the registry will store, and the issues found on the way.

Severity model: an ERROR makes the row unimportable (no company name, a row that is not a record); a WARNING
refuses one value — it is not stored in the registry, it stays verbatim in the ``SourceRecord`` and the report
says why; an INFO keeps a value as written and says so (a local phone number without its area code). Every
check comes from ``grappe.france``: this module only wires cells to checks.

Each row is read by the rules of its country: the row's own « Pays » column, else the import's default
country (France unless told). Only French rows have their postcode looked up as a French commune and
département; phones are read with the country's numbering plan. A country that cannot be read is a WARNING
and leaves the row's country unknown: its postcode is kept as written, and only phones written with their
country code are read — nothing is guessed.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.france.amounts import check_amount
from grappe.france.contact import check_email, check_phone, check_website
from grappe.france.countries import FRANCE, check_country
from grappe.france.dates import check_date
from grappe.france.geo import check_place
from grappe.france.headcount import check_headcount
from grappe.france.identifiers import check_siren, check_siret, check_vat, siren_of_siret, vat_of_siren
from grappe.france.legal_forms import check_legal_form, legal_form_in_name
from grappe.france.naf import NAF_VERSION, check_naf
from grappe.france.placeholders import is_placeholder_name
from grappe.france.problems import Checked, Problem
from grappe.france.text import clean_text, fold
from grappe.intake.models import ImportIssue
from grappe.intake.reading import Row
from grappe.registry.models import (
    College,
    Establishment,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
)

ERROR = ImportIssue.Severity.ERROR.value
WARNING = ImportIssue.Severity.WARNING.value
INFO = ImportIssue.Severity.INFO.value

# What a column of each field should hold, shown next to every issue ("what was expected").
EXPECTED: dict[str, Any] = {
    "name": _("la raison sociale de l'entreprise"),
    "siren": _("9 chiffres avec une clé de Luhn juste"),
    "siret": _("14 chiffres avec une clé de Luhn juste, saisis comme du texte"),
    "vat": _("FR + 2 caractères de clé + le SIREN"),
    "legal_form": _("une forme juridique (SAS, SARL, 5710…)"),
    "naf": _("un code NAF rév. 2 (62.01Z)"),
    "headcount": _("une tranche d'effectif INSEE ou un nombre de salariés"),
    "created_on": _("une date (31/03/2016)"),
    "joined_on": _("une date (31/03/2016)"),
    "postcode": _("un code postal et une commune qui se correspondent"),
    "city": _("un code postal et une commune qui se correspondent"),
    "country": _("un pays (France, Suisse, Belgique…) ou son code ISO (FR, CH, BE…)"),
    "email": _("une adresse e-mail (nom@domaine.fr)"),
    "contact_email": _("une adresse e-mail (nom@domaine.fr)"),
    "phone": _("un numéro de téléphone (04 77 12 34 56, ou +41 22 … hors de France)"),
    "contact_phone": _("un numéro de téléphone (04 77 12 34 56, ou +41 22 … hors de France)"),
    "website": _("une adresse de site web (www.exemple.fr)"),
    "annual_fee": _("un montant en euros (1 200,00 €)"),
    "member_status": _("à jour, en attente, non renouvelée, terminée ou inconnu"),
    "is_startup": _("oui ou non"),
}

# Folded status words seen in association exports → membership status.
_MEMBER_STATUSES = {
    Membership.Status.ACTIVE: {
        "a jour",
        "actif",
        "active",
        "adherent",
        "adherente",
        "oui",
        "paye",
        "payee",
        "ok",
    },
    Membership.Status.PENDING: {"en attente", "en cours", "a valider", "nouveau", "nouvelle", "prospect"},
    Membership.Status.LAPSED: {
        "non renouvele",
        "non renouvelee",
        "impaye",
        "impayee",
        "relance",
        "non a jour",
    },
    Membership.Status.ENDED: {
        "radie",
        "radiee",
        "demission",
        "demissionnaire",
        "resilie",
        "resiliee",
        "ancien",
    },
    Membership.Status.UNKNOWN: {"inconnu", "inconnue", "statut inconnu", "non renseigne", "nc"},
}
_STATUS_BY_WORD = {word: status for status, words in _MEMBER_STATUSES.items() for word in words}
_YES = {"oui", "o", "x", "1", "vrai", "true", "yes", "y"}
_NO = {"non", "n", "0", "faux", "false", "no"}
_EXECUTIVE_WORDS = (
    "gerant",
    "president",
    "directeur general",
    "pdg",
    "ceo",
    "fondateur",
    "fondatrice",
    "dirigeant",
)


@dataclass(frozen=True)
class Issue:
    """One problem found in one cell (or a whole row when ``column`` is empty)."""

    line: int
    column: str
    field: str
    value: str
    code: str
    message: str
    expected: str
    severity: str
    company: str = ""  # the row's company name as written, so that a report line says whose value it is

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Value:
    """A normalised value and the source column it came from (for ``Lineage``)."""

    value: Any
    column: str


@dataclass
class RowResult:
    """A validated row. ``values`` is keyed ``"model.field"`` (``"organisation.siren"``)."""

    line: int
    cells: tuple[str, ...]
    values: dict[str, Value] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # The country the row was read by (ISO alpha-2): its own cell, else the import's default; None when its
    # cell could not be read.
    country: str | None = FRANCE
    company: str = ""  # the company's name as written (``Issue.company``)
    # (column, value in the file, value used) for each cell a person corrected before the import.
    corrections: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(issue.is_error for issue in self.issues)

    def group(self, model: str) -> dict[str, Value]:
        """The values meant for one model: ``group("establishment")`` → ``{"siret": Value(...), ...}``."""
        prefix = model + "."
        return {key[len(prefix) :]: value for key, value in self.values.items() if key.startswith(prefix)}

    def groups(self) -> dict[str, dict[str, Value]]:
        """Every model's values at once, in one pass: ``groups()["establishment"]`` is ``group("establishment")``."""
        groups: dict[str, dict[str, Value]] = {}
        for key, value in self.values.items():
            model, _dot, name = key.partition(".")
            groups.setdefault(model, {})[name] = value
        return groups


def _max_lengths() -> dict[str, int]:
    lengths = {}
    for label, model in (
        ("organisation", Organisation),
        ("establishment", Establishment),
        ("membership", Membership),
        ("person", Person),
        ("role", Role),
    ):
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.CharField | models.URLField | models.EmailField):
                lengths[f"{label}.{model_field.name}"] = model_field.max_length
    # A membership's type and college are named by text: the rows' names hold it.
    lengths["membership.membership_type"] = MembershipType._meta.get_field("name").max_length
    lengths["membership.college"] = College._meta.get_field("name").max_length
    return lengths


_MAX_LENGTHS = _max_lengths()
# The largest amount Membership.annual_fee (10 digits, 2 decimals) can hold.
_MAX_FEE = decimal.Decimal("99999999.99")


class RowValidator:
    """Validates the rows of one table under one column mapping (column index → field name)."""

    def __init__(
        self,
        *,
        headers: Sequence[str],
        mapping: Mapping[int, str],
        country: str = FRANCE,
        corrections: Mapping[tuple[int, int], str] | None = None,
    ):
        """``country``: the ISO alpha-2 code rows without a country of their own are read by.
        ``corrections``: (line, column index) → the value a person typed in place of the file's cell."""
        self.corrections: dict[int, dict[int, str]] = {}
        for (line, index), value in (corrections or {}).items():
            self.corrections.setdefault(line, {})[index] = value
        self.headers = tuple(headers)
        self.country = country
        self.column_of = {field_name: index for index, field_name in mapping.items()}
        # Each field's column header, read for every stored value and issue.
        self.header_of = {
            field_name: self.headers[index]
            for field_name, index in self.column_of.items()
            if 0 <= index < len(self.headers)
        }
        self.folded_headers = tuple(fold(header) for header in self.headers)

    def validate(self, row: Row) -> RowResult:
        result = _RowCheck(self, row)
        result.run()
        return result.result


class _RowCheck:
    """The checks of one row; a class only so that the helpers share the row without long signatures."""

    def __init__(self, validator: RowValidator, row: Row):
        self.validator = validator
        # The verbatim cells are kept in the result (the source record); the checks read the corrected ones.
        self.result = RowResult(line=row.line, cells=tuple(row.cells))
        fixes = validator.corrections.get(row.line)
        if fixes:
            cells = list(row.cells)
            cells.extend([""] * (max(fixes) + 1 - len(cells)))
            for index, value in sorted(fixes.items()):
                if cells[index] != value:
                    self.result.corrections.append((validator.headers[index], cells[index], value))
                cells[index] = value
            row = Row(line=row.line, cells=tuple(cells))
        self.row = row
        self._texts: dict[str, str] = {}
        # The row's country (ISO alpha-2), None when its « Pays » cell could not be read.
        self.country: str | None = validator.country

    # -- reading cells and recording outcomes --------------------------------------------------------------

    def header(self, field_name: str) -> str:
        found = self.validator.header_of.get(field_name)
        if found is not None:
            return found
        index = self.validator.column_of.get(field_name)
        return self.validator.headers[index] if index is not None else ""

    def raw(self, field_name: str) -> str | None:
        index = self.validator.column_of.get(field_name)
        cells = self.row.cells
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def text(self, field_name: str) -> str:
        # Several checks read the same cell; cleaning is the costliest step on large files, so do it once.
        found = self._texts.get(field_name)
        if found is None:
            found = self._texts[field_name] = clean_text(self.raw(field_name))
        return found

    def issue(
        self, field_name: str, severity: str, code: str, message: str, *, column: str | None = None
    ) -> None:
        self.result.issues.append(
            Issue(
                line=self.row.line,
                column=self.header(field_name) if column is None else column,
                field=field_name,
                value=self.raw(field_name) or "",
                code=code,
                message=message,
                expected=str(EXPECTED.get(field_name, "")),
                severity=severity,
            )
        )

    def problem(self, field_name: str, problem: Problem, severity: str = WARNING) -> None:
        self.issue(field_name, severity, problem.code, problem.render(gettext))

    def store(self, key: str, value: Any, field_name: str, *, column: str | None = None) -> bool:
        """Keep ``value`` for ``key`` unless it is empty or too long for its database column."""
        # ``not value`` first: a stored value (a date, an amount, a text) is then decided without comparing
        # it to "" and [] (False and 0 are kept).
        if not value and (value is None or value == "" or value == []):
            return False
        limit = _MAX_LENGTHS.get(key) if isinstance(value, str) else None
        if limit and len(value) > limit:
            self.issue(
                field_name,
                WARNING,
                "text.too_long",
                gettext("Valeur trop longue : %(length)s caractères pour %(limit)s au plus.")
                % {"length": len(value), "limit": limit},
            )
            return False
        self.result.values[key] = Value(value, self.header(field_name) if column is None else column)
        return True

    def checked(self, field_name: str, check: Callable[[str | None], Checked[Any]]) -> Any:
        """Run ``check`` on the field's cell; a refusal becomes a warning and gives ``None``, a note an info."""
        if field_name not in self.validator.column_of:
            return None
        outcome = check(self.raw(field_name))
        if outcome.problem:
            self.problem(field_name, outcome.problem)
            return None
        if outcome.note:
            self.problem(field_name, outcome.note, INFO)
        return outcome.value

    def phone(self, raw: str | None) -> Checked[str]:
        return check_phone(raw, self.country)

    # -- the checks ---------------------------------------------------------------------------------------

    def run(self) -> None:
        if self.is_repeated_header():
            self.issue(
                "",
                ERROR,
                "row.repeated_header",
                gettext("Cette ligne répète les en-têtes du fichier : ce n'est pas une adhésion."),
                column="",
            )
            return
        self.result.company = self.text("name") or self.text("trade_name")
        self.check_country()
        self.check_name()
        self.check_identifiers()
        self.check_organisation()
        self.check_place()
        self.check_membership()
        self.check_contact()

    def is_repeated_header(self) -> bool:
        # Exports glued together from several files repeat their header line in the middle.
        name_index = self.validator.column_of.get("name")
        headers = self.validator.folded_headers
        if name_index is not None and fold(self.row.cells[name_index]) != headers[name_index]:
            return False  # the common case, decided without folding every cell
        folded = tuple(fold(cell) for cell in self.row.cells)
        matching = sum(1 for cell, header in zip(folded, headers, strict=False) if cell and cell == header)
        return matching >= max(2, len([h for h in headers if h]) // 2)

    def check_country(self) -> None:
        # A country from a cell is a stored value with its lineage; the import's default is recorded once, on
        # the SourceFile, and given to the row's new establishment through ``RowResult.country``.
        if self.text("country"):
            self.country = self.checked("country", check_country)
            self.store("establishment.country", self.country, "country")
        self.result.country = self.country

    def check_name(self) -> None:
        written = self.text("name")
        if written and is_placeholder_name(written):
            # « NC », « A compléter »: the file says it has no name for this company; its trade name, if it
            # gives one, is the only name there is.
            if not self.text("trade_name"):
                self.issue(
                    "name",
                    ERROR,
                    "name.placeholder",
                    gettext(
                        "Raison sociale « %(value)s » : elle tient lieu de nom inconnu ; une ligne sans nom "
                        "d'entreprise ne peut pas être importée."
                    )
                    % {"value": written},
                )
                return
            written = ""
        name = written or self.text("trade_name")
        if not name:
            self.issue(
                "name",
                ERROR,
                "name.missing",
                gettext(
                    "Raison sociale absente : une ligne sans nom d'entreprise ne peut pas être importée."
                ),
                column=self.header("name") or self.header("trade_name"),
            )
            return
        source = "name" if written else "trade_name"
        limit = _MAX_LENGTHS["organisation.name"]
        if len(name) > limit:
            # A name that cannot be stored is as bad as no name: the row cannot become an organisation.
            self.issue(
                source,
                ERROR,
                "name.too_long",
                gettext("Raison sociale trop longue : %(length)s caractères pour %(limit)s au plus.")
                % {"length": len(name), "limit": limit},
            )
            return
        self.store("organisation.name", name, source)
        trade_name = self.text("trade_name")
        if trade_name and trade_name != name:
            self.store("establishment.name", trade_name, "trade_name")

    def check_identifiers(self) -> None:
        siren = self.checked("siren", check_siren)
        siret = self.checked("siret", check_siret)
        if siren and siret and siren_of_siret(siret) != siren:
            message = gettext(
                "Le SIREN %(siren)s et le SIRET %(siret)s ne désignent pas la même entreprise (le SIREN est les "
                "9 premiers chiffres du SIRET) : aucun des deux n'est retenu. Corrigez l'un ou l'autre."
            ) % {"siren": siren, "siret": siret}
            self.issue("siren", WARNING, "siren.siret_conflict", message)
            self.issue("siret", WARNING, "siren.siret_conflict", message)
            siren = siret = None
        if siret:
            self.store("establishment.siret", siret, "siret")
            if not siren:
                siren = siren_of_siret(siret)
                self.store("organisation.siren", siren, "siret")
        if siren and "organisation.siren" not in self.result.values:
            self.store("organisation.siren", siren, "siren")
        vat = self.checked("vat", check_vat)
        if vat and siren and vat != vat_of_siren(siren):
            self.issue(
                "vat",
                WARNING,
                "vat.siren_conflict",
                gettext(
                    "Le numéro de TVA %(vat)s ne correspond pas au SIREN %(siren)s (attendu : %(expected)s)."
                )
                % {"vat": vat, "siren": siren, "expected": vat_of_siren(siren)},
            )
            vat = None
        self.store("organisation.vat_number", vat, "vat")

    def check_organisation(self) -> None:
        legal_form = self.checked("legal_form", check_legal_form)
        if legal_form:
            self.store("organisation.legal_form_code", legal_form, "legal_form")
        elif not self.text("legal_form") and "organisation.name" in self.result.values:
            name_value = self.result.values["organisation.name"]
            found = legal_form_in_name(name_value.value)
            self.store("organisation.legal_form_code", found, "name", column=name_value.column)
        naf = self.checked("naf", check_naf)
        if self.store("organisation.naf_code", naf, "naf"):
            self.store("organisation.naf_version", NAF_VERSION, "naf")
        self.store("organisation.headcount_bracket", self.checked("headcount", check_headcount), "headcount")
        self.store("organisation.created_on", self.checked("created_on", check_date), "created_on")
        self.store("organisation.email", self.checked("email", check_email), "email")
        self.store("organisation.phone", self.checked("phone", self.phone), "phone")
        website = self.checked("website", check_website)
        if website and self.store("organisation.website", website.url, "website"):
            self.store("organisation.website_domain", website.domain, "website")
        startup = self.yes_no("is_startup")
        if startup is not None:
            self.store("organisation.is_startup", startup, "is_startup")
        skills = [clean_text(part) for part in _split_list(self.text("skills"))]
        self.store("organisation.skills", [skill for skill in skills if skill], "skills")

    def yes_no(self, field_name: str) -> bool | None:
        word = fold(self.raw(field_name))
        if not word:
            return None
        if word in _YES:
            return True
        if word in _NO:
            return False
        self.issue(
            field_name,
            WARNING,
            "boolean.format",
            gettext("Valeur « %(value)s » non comprise : oui ou non attendu.")
            % {"value": self.text(field_name)},
        )
        return None

    def check_place(self) -> None:
        street = self.text("street")
        street2 = self.text("street2")
        if street and street2:
            column = f"{self.header('street')} + {self.header('street2')}"
            self.store("establishment.street", f"{street}, {street2}", "street", column=column)
        else:
            self.store("establishment.street", street or street2, "street" if street else "street2")
        if "postcode" not in self.validator.column_of and "city" not in self.validator.column_of:
            return
        outcome = check_place(self.raw("postcode"), self.raw("city"), self.country)
        if outcome.problem:
            # Postcode and city disagree: neither is trusted, both stay verbatim in the source record.
            on_postcode = (
                outcome.problem.code.startswith("postcode.") or "city" not in self.validator.column_of
            )
            self.problem("postcode" if on_postcode else "city", outcome.problem)
            return
        place = outcome.value
        if place is None:
            return
        self.store("establishment.postcode", place.postcode, "postcode")
        self.store("establishment.city", place.commune.name if place.commune else place.city, "city")
        if place.commune:
            self.store("establishment.commune_code", place.commune.code, "city" if place.city else "postcode")
        source = "postcode" if place.postcode else "city"
        self.store("establishment.departement_code", place.departement, source)

    def check_membership(self) -> None:
        self.store("membership.starts_on", self.checked("joined_on", check_date), "joined_on")
        fee = self.checked("annual_fee", check_amount)
        if fee is not None and not (decimal.Decimal(0) <= fee <= _MAX_FEE):
            self.issue(
                "annual_fee",
                WARNING,
                "amount.range",
                gettext("Cotisation de %(amount)s € hors des bornes (entre 0 et 99 999 999,99 €).")
                % {"amount": fee},
            )
            fee = None
        if fee is not None:
            self.store("membership.annual_fee", fee.quantize(decimal.Decimal("0.01")), "annual_fee")
        self.store("membership.membership_type", self.text("membership_type"), "membership_type")
        self.store("membership.college", self.text("college"), "college")
        word = fold(self.raw("member_status"))
        if word:
            status = _STATUS_BY_WORD.get(word)
            if status is None:
                self.issue(
                    "member_status",
                    WARNING,
                    "member_status.unknown",
                    gettext("Statut d'adhésion « %(value)s » non reconnu.")
                    % {"value": self.text("member_status")},
                )
            self.store("membership.status", status, "member_status")

    def check_contact(self) -> None:
        first, last = self.text("contact_first_name"), self.text("contact_last_name")
        if not (first or last) and self.text("contact_full_name"):
            first, last = split_full_name(self.text("contact_full_name"))
            self.store("person.first_name", first, "contact_full_name")
            self.store("person.last_name", last, "contact_full_name")
        else:
            self.store("person.first_name", first, "contact_first_name")
            self.store("person.last_name", last, "contact_last_name")
        self.store("person.email", self.checked("contact_email", check_email), "contact_email")
        self.store("person.phone", self.checked("contact_phone", self.phone), "contact_phone")
        job_title = self.text("contact_job_title")
        if self.result.group("person"):
            self.store("role.job_title", job_title, "contact_job_title")
            kind = role_kind(job_title)
            self.store("role.kind", kind, "contact_job_title")


def split_full_name(full_name: str) -> tuple[str, str]:
    """ "Marie DUPONT" / "DUPONT Marie" → ("Marie", "DUPONT"); otherwise the last word is the last name."""
    words = full_name.split()
    if len(words) < 2:
        return "", full_name
    upper = [word for word in words if word.isupper() and len(word) > 1]
    if upper and len(upper) < len(words):
        return " ".join(w for w in words if w not in upper), " ".join(upper)
    return " ".join(words[:-1]), words[-1]


def role_kind(job_title: str) -> str:
    """The role a contact's job title implies: a representative or an executive, a plain contact otherwise."""
    folded = fold(job_title)
    if "suppleant" in folded:
        return Role.Kind.ALTERNATE
    if "representant" in folded or "titulaire" in folded:
        return Role.Kind.REPRESENTATIVE
    if any(word in folded for word in _EXECUTIVE_WORDS):
        return Role.Kind.EXECUTIVE
    return Role.Kind.CONTACT


def _split_list(text: str) -> list[str]:
    for separator in (";", "|", "/", ","):
        text = text.replace(separator, "\n")
    return text.split("\n")


def serialisable(value: Any) -> str:
    """How a stored value is written into ``Lineage.value``."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)
