"""Each network's member export, in that network's own layout, with the noise of real files.

Four layouts, as four different tools and people would produce them:

- Numélink: CSV from an old CRM, Windows-1252, ``;``-separated, CRLF, French headers, amounts as "1 200,00 €",
  dates as dd/mm/yyyy, sorted by name.
- RhoneAlley: an XLSX kept by hand: two title lines and a blank line above the header, a separate legal form
  column, postcodes typed as numbers (Ardèche's 07… lose their zero), real date cells, sorted by join date.
- Auvergne TIC: an ODS from LibreOffice: header on the first row, contact split in first and last name, dates as
  date cells, amounts as numbers.
- Clust'R Numérique: an XLSX whose first sheet is a summary and whose second, "Adhérents", holds the members,
  with English headers and the SIREN only.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from grappe.demo import noise
from grappe.demo.companies import BRACKET_BY_CODE, WEBMAIL_DOMAINS, Address, Company, Establishment
from grappe.demo.model import Association, Cell, Export, ExportRow, Membership
from grappe.demo.names import slug
from grappe.demo.noise import NoiseRates
from grappe.demo.story import AUVERGNE_TIC, CLUSTR, NUMELINK, RHONEALLEY

_DEPARTEMENT_NAMES = {
    "07": "Ardèche",
    "26": "Drôme",
    "38": "Isère",
    "42": "Loire",
    "43": "Haute-Loire",
    "63": "Puy-de-Dôme",
    "69": "Rhône",
    "74": "Haute-Savoie",
}


@dataclass(frozen=True)
class _Context:
    """Everything needed to render one membership as one row, and the noise drawn for it."""

    company: Company
    establishment: Establishment
    membership: Membership
    kinds: frozenset[str]
    rng: random.Random
    numbers_in_cells: bool  # spreadsheet: a mangled identifier is a number cell, not "4,12346E+13" text

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    @property
    def address(self) -> Address:
        if self.has("old_address") and self.establishment.former_address is not None:
            return self.establishment.former_address
        return self.establishment.address

    def name(self, *, with_form: bool = True) -> str:
        company = self.company
        if self.has("name_variant"):
            text = noise.name_variant(company.name, company.legal_form, self.rng)
        else:
            text = company.full_name if with_form else company.name
        return noise.typo(text, self.rng) if self.has("name_typo") else text

    def identifier(self, *, digits: int = 14) -> Cell:
        """SIRET (or SIREN with ``digits=9``) as the export holds it."""
        number = self.establishment.siret
        if self.has("old_address") and self.establishment.former_siret:
            number = self.establishment.former_siret
        number = number[:digits]
        if self.has("siret_missing"):
            return None
        if self.has("siret_bad_checksum"):
            return noise.bad_checksum(number, self.rng)
        if self.has("siret_spreadsheet"):
            return int(number) if self.numbers_in_cells else noise.spreadsheet_scientific(number)
        if self.has("siret_spaced"):
            return noise.spaced_identifier(number)
        return number

    def postcode(self) -> str | None:
        return None if self.has("postcode_missing") else self.address.postcode

    def city(self) -> str:
        address = self.address
        if self.has("city_abbreviation"):
            return noise.city_variant(address.city, address.postcode, self.rng)
        return address.city

    def phone(self, style: str) -> str:
        if self.has("phone_format"):
            style = noise.other_phone_style(style, self.rng)
        return noise.format_phone(self.establishment.phone, style)

    def email(self) -> str:
        company = self.company
        if not self.has("other_email"):
            return company.email
        others = [contact for contact in company.contacts if contact != self.membership.contact]
        if others and self.rng.random() < 0.5:
            return self.rng.choice(others).email
        contact = self.membership.contact
        local = self.rng.choice(
            (f"{slug(contact.given_name)}.{slug(contact.surname)}", slug(company.name)[:20])
        )
        return f"{local}@{self.rng.choice(WEBMAIL_DOMAINS)}"

    def website(self) -> str:
        website = self.company.website
        return noise.website_variant(website, self.rng) if self.has("website_variant") else website


@dataclass(frozen=True)
class _Layout:
    association: str
    file_name: str
    file_format: str
    sheet: str
    headers: tuple[str, ...]
    render: Callable[[_Context], tuple[Cell, ...]]
    sort_key: Callable[[tuple[Cell, ...], Membership], tuple[object, ...]]
    title_rows: tuple[str, ...] = ()
    encoding: str = ""
    delimiter: str = ""


def _euros_text(amount: int) -> str:
    """French currency text as a CRM prints it: "1 200,00 €"."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " €"


def _naf_without_dot(code: str) -> str:
    return code.replace(".", "")


def _headcount_range(bracket: str) -> str:
    _, low, high, _, _ = BRACKET_BY_CODE[bracket]
    return str(low) if low == high else f"{low}-{high}"


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


# --- Numélink: CSV, cp1252, ";" ----------------------------------------------------------------------------

NUMELINK_HEADERS = (
    "Raison sociale", "SIRET", "Adresse", "CP", "Ville", "Tél.", "E-mail", "Site web", "Date d'adhésion",
    "Cotisation", "Effectif", "Code APE", "Contact", "Fonction", "Tél. contact", "E-mail contact",
)  # fmt: skip


def _numelink_row(ctx: _Context) -> tuple[Cell, ...]:
    contact = ctx.membership.contact
    website = ctx.website()
    return tuple(
        _text(cell)
        for cell in (
            ctx.name(),
            ctx.identifier(),
            ctx.address.street,
            ctx.postcode(),
            ctx.city(),
            ctx.phone("spaced"),
            ctx.email(),
            # The CRM stored what people typed, which was mostly without the scheme.
            website.removeprefix("https://") if not ctx.has("website_variant") else website,
            ctx.membership.joined_on.strftime("%d/%m/%Y"),
            _euros_text(ctx.membership.annual_fee),
            ctx.company.headcount,
            _naf_without_dot(ctx.company.naf_code),
            f"{contact.given_name} {contact.surname.upper()}",
            contact.job_title,
            noise.format_phone(contact.phone, "spaced"),
            contact.email,
        )
    )


# --- RhoneAlley: XLSX with titles ---------------------------------------------------------------------------

RHONEALLEY_HEADERS = (
    "Nom de l'entreprise", "Forme juridique", "N° SIRET", "Adresse", "Code postal", "Commune", "Téléphone",
    "Courriel", "Site internet", "Membre depuis", "Montant cotisation", "Tranche d'effectif", "Code NAF",
    "Nom du contact", "Prénom du contact", "Fonction du contact", "Courriel du contact",
)  # fmt: skip


def _rhonealley_row(ctx: _Context) -> tuple[Cell, ...]:
    contact = ctx.membership.contact
    postcode = ctx.postcode()
    return (
        ctx.name(with_form=False),
        ctx.company.legal_form,
        ctx.identifier(),
        ctx.address.street,
        # The column is typed as a number: 07200 becomes 7200.
        int(postcode) if postcode else None,
        ctx.city(),
        ctx.phone("dotted"),
        ctx.email(),
        ctx.website(),
        ctx.membership.joined_on,
        float(ctx.membership.annual_fee),
        BRACKET_BY_CODE[ctx.company.headcount_bracket][3],
        ctx.company.naf_code,
        contact.surname,
        contact.given_name,
        contact.job_title,
        contact.email,
    )


# --- Auvergne TIC: ODS -------------------------------------------------------------------------------------

AUVERGNE_TIC_HEADERS = (
    "Entreprise", "Siret", "Adresse 1", "Code Postal", "Ville", "Tel", "Mail", "Site", "Date adhésion",
    "Cotisation 2016", "Nb salariés", "APE", "Prénom", "Nom", "Fonction", "Mail contact", "Startup",
)  # fmt: skip


def _auvergne_tic_row(ctx: _Context) -> tuple[Cell, ...]:
    contact = ctx.membership.contact
    return (
        ctx.name(),
        ctx.identifier(),
        ctx.address.street,
        ctx.postcode(),
        ctx.city(),
        ctx.phone("compact"),
        ctx.email(),
        ctx.website(),
        ctx.membership.joined_on,
        float(ctx.membership.annual_fee),
        ctx.company.headcount,
        ctx.company.naf_code,
        contact.given_name,
        contact.surname,
        contact.job_title,
        contact.email,
        "oui" if ctx.company.is_startup else "non",
    )


# --- Clust'R Numérique: XLSX, second sheet, SIREN ----------------------------------------------------------

CLUSTR_HEADERS = (
    "Company", "SIREN", "Address", "Zip", "City", "Email", "Phone", "Website", "Member since", "Fee",
    "Headcount", "NAF", "Contact name", "Contact email", "Job title", "Start-up",
)  # fmt: skip


def _clustr_row(ctx: _Context) -> tuple[Cell, ...]:
    contact = ctx.membership.contact
    return (
        ctx.name(),
        ctx.identifier(digits=9),
        ctx.address.street,
        ctx.postcode(),
        ctx.city(),
        ctx.email(),
        ctx.phone("international"),
        ctx.website(),
        ctx.membership.joined_on,
        ctx.membership.annual_fee,
        _headcount_range(ctx.company.headcount_bracket),
        _naf_without_dot(ctx.company.naf_code),
        contact.full_name,
        contact.email,
        contact.job_title,
        "Yes" if ctx.company.is_startup else "No",
    )


def _by_name(cells: tuple[Cell, ...], membership: Membership) -> tuple[object, ...]:
    return (
        noise.strip_accents(_text(cells[0])).casefold(),
        membership.entity_id,
        membership.establishment_id,
    )


def _by_join_date(cells: tuple[Cell, ...], membership: Membership) -> tuple[object, ...]:
    return (membership.joined_on, membership.entity_id, membership.establishment_id)


def _newest_first(cells: tuple[Cell, ...], membership: Membership) -> tuple[object, ...]:
    return (-membership.joined_on.toordinal(), membership.entity_id, membership.establishment_id)


def layouts(associations: Sequence[Association]) -> dict[str, _Layout]:
    dates = {association.key: association.export_date for association in associations}
    return {
        NUMELINK: _Layout(
            NUMELINK,
            f"numelink-adherents-{dates[NUMELINK]:%Y-%m}.csv",
            "csv",
            "",
            NUMELINK_HEADERS,
            _numelink_row,
            _by_name,
            encoding="cp1252",
            delimiter=";",
        ),
        RHONEALLEY: _Layout(
            RHONEALLEY,
            f"RhoneAlley_membres_{dates[RHONEALLEY]:%Y%m%d}.xlsx",
            "xlsx",
            f"Membres {dates[RHONEALLEY]:%Y}",
            RHONEALLEY_HEADERS,
            _rhonealley_row,
            _by_join_date,
            title_rows=(
                "RhoneAlley – grappe numérique Drôme-Ardèche",
                f"Liste des adhérents au {dates[RHONEALLEY]:%d/%m/%Y}",
            ),
        ),
        AUVERGNE_TIC: _Layout(
            AUVERGNE_TIC,
            f"auvergne-tic-adherents-{dates[AUVERGNE_TIC]:%Y}.ods",
            "ods",
            f"Adhérents {dates[AUVERGNE_TIC]:%Y}",
            AUVERGNE_TIC_HEADERS,
            _auvergne_tic_row,
            _by_name,
        ),
        CLUSTR: _Layout(
            CLUSTR,
            f"ClustR-Numerique-adherents-{dates[CLUSTR]:%Y}.xlsx",
            "xlsx",
            "Adhérents",
            CLUSTR_HEADERS,
            _clustr_row,
            _newest_first,
        ),
    }


def build_export(
    layout: _Layout,
    memberships: Sequence[Membership],
    companies: dict[str, Company],
    rates: NoiseRates,
    rng: random.Random,
) -> Export:
    establishments = [companies[m.entity_id].establishment(m.establishment_id) for m in memberships]
    moved = [index for index, establishment in enumerate(establishments) if establishment.former_address]
    kinds = noise.assign(rates, len(memberships), rng, {"old_address": moved})
    numbers_in_cells = layout.file_format != "csv"
    rendered: list[tuple[tuple[Cell, ...], Membership, tuple[str, ...]]] = []
    for membership, establishment, row_kinds in zip(memberships, establishments, kinds, strict=True):
        ctx = _Context(
            companies[membership.entity_id],
            establishment,
            membership,
            frozenset(row_kinds),
            rng,
            numbers_in_cells,
        )
        rendered.append((layout.render(ctx), membership, tuple(sorted(row_kinds))))
    # Entered twice, by two people: same member, written a little differently the second time.
    for index in rng.sample(range(len(memberships)), min(rates.duplicate_rows, len(memberships))):
        membership, establishment = memberships[index], establishments[index]
        twin_kinds = frozenset(
            {"name_variant", *rng.sample(("phone_format", "website_variant", "other_email"), 1)}
        )
        ctx = _Context(
            companies[membership.entity_id], establishment, membership, twin_kinds, rng, numbers_in_cells
        )
        rendered.append((layout.render(ctx), membership, ("duplicate_row", *sorted(twin_kinds))))
    rendered.sort(key=lambda item: layout.sort_key(item[0], item[1]))
    header_line = len(layout.title_rows) + (2 if layout.title_rows else 1)
    rows = tuple(
        ExportRow(header_line + offset, membership.entity_id, membership.establishment_id, cells, row_kinds)
        for offset, (cells, membership, row_kinds) in enumerate(rendered, start=1)
    )
    sheets = (
        ("Synthèse", layout.sheet)
        if layout.association == CLUSTR
        else ((layout.sheet,) if layout.sheet else ())
    )
    extra = (("Synthèse", _summary_sheet(layout, rows, companies)),) if layout.association == CLUSTR else ()
    return Export(
        association=layout.association,
        file_name=layout.file_name,
        file_format=layout.file_format,
        sheet=layout.sheet,
        sheets=sheets,
        title_rows=layout.title_rows,
        header_line=header_line,
        headers=layout.headers,
        rows=rows,
        encoding=layout.encoding,
        delimiter=layout.delimiter,
        extra_sheets=extra,
    )


def _summary_sheet(
    layout: _Layout, rows: Sequence[ExportRow], companies: dict[str, Company]
) -> tuple[tuple[Cell, ...], ...]:
    """The summary a director keeps in front of the member list: members by département."""
    counts = Counter(
        companies[row.entity_id].establishment(row.establishment_id).address.departement
        for row in rows
        if "duplicate_row" not in row.noise
    )
    table: list[tuple[Cell, ...]] = [
        ("Clust'R Numérique – adhérents par département",),
        (),
        ("Département", "Établissements adhérents"),
    ]
    table += [(f"{code} – {_DEPARTEMENT_NAMES.get(code, code)}", counts[code]) for code in sorted(counts)]
    table.append(("Total", sum(counts.values())))
    table.append(())
    table.append((f"Liste détaillée : feuille « {layout.sheet} »",))
    return tuple(table)
