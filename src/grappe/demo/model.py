"""The story as plain data: networks, their offices and staff, mergers, memberships and export rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from grappe.demo.companies import Company, Contact
from grappe.demo.noise import NoiseRates

# A cell as a spreadsheet holds it: text, a number, a date, or nothing.
Cell = str | int | float | datetime.date | None


@dataclass(frozen=True)
class Office:
    key: str
    name: str
    kind: str  # "head_office" | "antenna" | "bureau"
    city: str
    commune_code: str
    departement: str
    opened_on: datetime.date | None = None


@dataclass(frozen=True)
class StaffMember:
    given_name: str
    surname: str
    job_title: str
    office: str  # Office.key
    hired_on: datetime.date
    email: str


@dataclass(frozen=True)
class Association:
    """A network with a legal existence, as it stood when it handed over its member export."""

    key: str
    name: str
    siren: str
    departements: tuple[str, ...]
    offices: tuple[Office, ...]
    staff: tuple[StaffMember, ...]
    board_size: int
    member_count: int  # distinct member companies (legal units) in its export
    export_date: datetime.date
    website: str


@dataclass(frozen=True)
class Merger:
    """One step of the story. ``members_after`` counts distinct legal units, not rows or establishments."""

    key: str
    kind: str  # "absorption" (the absorbed association disappears into ``absorbing``) | "fusion"
    absorbing: str
    absorbed: str
    vote_date: datetime.date  # the AGE that approved it
    effective_date: datetime.date
    members_before: tuple[int, int]  # (absorbing, absorbed)
    shared_members: int  # companies members of both
    members_after: int
    departements_after: tuple[str, ...]
    brand_kept: bool  # the absorbed name lives on as a brand in its territory
    board_size_after: int | None = None
    resulting_name: str | None = None


@dataclass(frozen=True)
class Membership:
    association: str
    entity_id: str
    establishment_id: str
    joined_on: datetime.date
    annual_fee: int  # euros, from the association's fee schedule
    contact: Contact


@dataclass(frozen=True)
class ExportRow:
    """One data row of an export, where it sits in the file, whom it is about and which noise it carries."""

    line: int  # 1-based row (spreadsheets) or physical line (CSV) where the record starts
    entity_id: str
    establishment_id: str
    cells: tuple[Cell, ...]
    noise: tuple[str, ...]


@dataclass(frozen=True)
class Export:
    """An association's member file, laid out the way that association's software or staff lays it out."""

    association: str
    file_name: str
    file_format: str  # "csv" | "xlsx" | "ods"
    sheet: str  # the member sheet ("" for CSV)
    sheets: tuple[str, ...]
    title_rows: tuple[str, ...]  # lines above the header (then one blank line when there are any)
    header_line: int
    headers: tuple[str, ...]
    rows: tuple[ExportRow, ...]
    encoding: str = ""  # CSV only
    delimiter: str = ""  # CSV only
    extra_sheets: tuple[tuple[str, tuple[tuple[Cell, ...], ...]], ...] = ()


@dataclass(frozen=True)
class StoryNumbers:
    """The figures of the articles and the exact ones this story uses to reach them."""

    numelink_members: int
    rhonealley_members: int
    numelink_rhonealley_shared: int
    after_rhonealley: int  # the articles' 220
    auvergne_tic_members: int
    auvergne_tic_shared: int
    after_auvergne_tic: int  # the articles' 300
    clustr_members: int  # the articles' "300 adhérents" for Clust'R
    clustr_shared: int
    after_clustr: int  # the articles' "plus de 600"


@dataclass(frozen=True)
class Story:
    seed: int
    numbers: StoryNumbers
    noise: NoiseRates
    associations: tuple[Association, ...]
    mergers: tuple[Merger, ...]
    companies: tuple[Company, ...]
    memberships: tuple[Membership, ...]
    exports: tuple[Export, ...]

    def association(self, key: str) -> Association:
        return next(association for association in self.associations if association.key == key)

    def export(self, association: str) -> Export:
        return next(export for export in self.exports if export.association == association)

    def company(self, entity_id: str) -> Company:
        return self._companies_by_id[entity_id]

    @cached_property
    def _companies_by_id(self) -> dict[str, Company]:
        # cached_property writes to the instance dict directly, which a frozen dataclass allows.
        return {company.entity_id: company for company in self.companies}


@dataclass(frozen=True)
class StoryFiles:
    directory: Path
    exports: dict[str, Path]  # association key → export file
    truth: Path
    story: Path

    @property
    def all(self) -> tuple[Path, ...]:
        return (*self.exports.values(), self.truth, self.story)
