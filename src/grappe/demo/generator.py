"""Seeded generator of the demo story: four networks' member exports and the truth about them.

Pure Python, no Django: the `grappe demo` command loads what ``write_story`` writes through the intake
importer, exactly as a user would load real exports, and scores itself against ``truth.csv`` and
``story.json``.

Public API::

    story = generate_story(seed=2016)          # everything as data (dataclasses in grappe.demo.model)
    files = write_story(story, Path("demo"))   # four exports + truth.csv + story.json
    sample = generate_registry(1_000_000, seed=1)   # benchmarks: see grappe.demo.registry
    rows = generate_registry(5_000, seed=1, hard_cases=True).records()   # the hard cases of real exports

Same seed, same bytes: every random draw comes from a ``random.Random`` seeded with the seed and a purpose
label, and file timestamps are pinned to the export dates.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from grappe.demo import exports
from grappe.demo import story as plot
from grappe.demo.companies import Address, Company, CompanyFactory, Contact, Establishment
from grappe.demo.hard_cases import HardCases
from grappe.demo.model import (
    Association,
    Export,
    ExportRow,
    Membership,
    Merger,
    Office,
    StaffMember,
    Story,
    StoryFiles,
    StoryNumbers,
)
from grappe.demo.noise import NoiseRates
from grappe.demo.registry import RegistrySample, generate_registry, real_exports_records, split_for_linkage
from grappe.demo.writers import write_export

__all__ = [
    "Address",
    "Association",
    "Company",
    "Contact",
    "Establishment",
    "Export",
    "ExportRow",
    "HardCases",
    "Membership",
    "Merger",
    "NoiseRates",
    "Office",
    "RegistrySample",
    "StaffMember",
    "Story",
    "StoryFiles",
    "StoryNumbers",
    "generate_registry",
    "generate_story",
    "real_exports_records",
    "split_for_linkage",
    "story_summary",
    "write_story",
]

TRUTH_COLUMNS = (
    "file",
    "sheet",
    "line",
    "association",
    "entity_id",
    "establishment_id",
    "siren",
    "siret",
    "duplicate",
    "noise",
)


def generate_story(seed: int = 2016, *, noise: NoiseRates | None = None) -> Story:
    """The whole story for ``seed``: networks, mergers, companies, memberships and rendered exports."""
    rates = noise or NoiseRates()
    factory_rng = random.Random(f"{seed}:companies")
    factory = CompanyFactory(factory_rng)
    associations = plot.associations(random.Random(f"{seed}:associations"), factory.sirens)
    companies, memberships = plot.companies_and_memberships(random.Random(f"{seed}:memberships"), factory)
    by_id = {company.entity_id: company for company in companies}
    layouts = exports.layouts(associations)
    rendered = tuple(
        exports.build_export(
            layouts[key],
            [membership for membership in memberships if membership.association == key],
            by_id,
            rates,
            random.Random(f"{seed}:export:{key}"),
        )
        for key in plot.ASSOCIATION_KEYS
    )
    return Story(
        seed=seed,
        numbers=plot.NUMBERS,
        noise=rates,
        associations=associations,
        mergers=plot.mergers(),
        companies=companies,
        memberships=memberships,
        exports=rendered,
    )


def write_story(story: Story, directory: Path) -> StoryFiles:
    """Write the four exports, ``truth.csv`` and ``story.json`` into ``directory`` (created if needed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for export in story.exports:
        path = directory / export.file_name
        write_export(export, path, written_on=story.association(export.association).export_date)
        paths[export.association] = path
    truth = directory / "truth.csv"
    truth.write_bytes(truth_csv(story).encode("utf-8"))
    summary = directory / "story.json"
    summary.write_text(
        json.dumps(story_summary(story), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return StoryFiles(directory=directory, exports=paths, truth=truth, story=summary)


def truth_csv(story: Story) -> str:
    """One line per data row of every export: where it is, which company and establishment it is about."""
    companies = {company.entity_id: company for company in story.companies}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRUTH_COLUMNS)
    for export in story.exports:
        for row in export.rows:
            company = companies[row.entity_id]
            writer.writerow(
                (
                    export.file_name,
                    export.sheet,
                    row.line,
                    export.association,
                    row.entity_id,
                    row.establishment_id,
                    company.siren,
                    company.establishment(row.establishment_id).siret,
                    int("duplicate_row" in row.noise),
                    " ".join(row.noise),
                )
            )
    return buffer.getvalue()


def story_summary(story: Story) -> dict[str, object]:
    """The expected counts, per network, after each merger and per département (``story.json``)."""
    companies = {company.entity_id: company for company in story.companies}
    by_association: dict[str, list[Membership]] = defaultdict(list)
    for membership in story.memberships:
        by_association[membership.association].append(membership)

    def members(keys: Iterable[str]) -> dict[str, object]:
        chosen = [m for key in keys for m in by_association[key]]
        entities = {m.entity_id for m in chosen}
        per_departement: dict[str, set[str]] = defaultdict(set)
        for m in chosen:
            departement = companies[m.entity_id].establishment(m.establishment_id).address.departement
            per_departement[departement].add(m.entity_id)
        return {
            "members": len(entities),
            "establishments": len({m.establishment_id for m in chosen}),
            "members_per_departement": {dep: len(ids) for dep, ids in sorted(per_departement.items())},
        }

    associations = []
    for association in story.associations:
        export = story.export(association.key)
        associations.append(
            {
                "key": association.key,
                "name": association.name,
                "siren": association.siren,
                "departements": list(association.departements),
                "board_size": association.board_size,
                "export": {
                    "file": export.file_name,
                    "format": export.file_format,
                    "sheet": export.sheet,
                    "sheets": list(export.sheets),
                    "header_line": export.header_line,
                    "headers": list(export.headers),
                    "encoding": export.encoding,
                    "delimiter": export.delimiter,
                    "date": association.export_date.isoformat(),
                    "rows": len(export.rows),
                    "duplicate_rows": sum("duplicate_row" in row.noise for row in export.rows),
                    "noise_counts": _noise_counts(export),
                },
                **members([association.key]),
                "offices": [_office(office) for office in association.offices],
                "staff": [_staff(person) for person in association.staff],
            }
        )
    stages = []
    merged = [plot.NUMELINK]
    for merger in story.mergers:
        merged.append(merger.absorbed)
        stage = members(merged)
        if stage["members"] != merger.members_after:  # the plan checks this too; never write a false truth
            raise RuntimeError(f"{merger.key}: {stage['members']} members, expected {merger.members_after}")
        stages.append(
            {
                "merger": merger.key,
                "kind": merger.kind,
                "absorbing": merger.absorbing,
                "absorbed": merger.absorbed,
                "vote_date": merger.vote_date.isoformat(),
                "effective_date": merger.effective_date.isoformat(),
                "members_before": list(merger.members_before),
                "shared_members": merger.shared_members,
                "departements": list(merger.departements_after),
                "brand_kept": merger.brand_kept,
                "board_size_after": merger.board_size_after,
                "resulting_name": merger.resulting_name,
                **stage,
            }
        )
    return {
        "seed": story.seed,
        "numbers": {name: getattr(story.numbers, name) for name in story.numbers.__dataclass_fields__},
        "companies": len(story.companies),
        "startups": sum(company.is_startup for company in story.companies),
        "multi_establishment_members": sorted(
            entity_id
            for entity_id in {m.entity_id for m in story.memberships}
            if len({m.establishment_id for m in story.memberships if m.entity_id == entity_id}) > 1
        ),
        "associations": associations,
        "mergers": stages,
        "noise_rates": story.noise.as_dict(),
    }


def _noise_counts(export: Export) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in export.rows:
        if "duplicate_row" in row.noise:
            continue
        for kind in row.noise:
            counts[kind] += 1
    return dict(sorted(counts.items()))


def _office(office: Office) -> dict[str, object]:
    return {
        "key": office.key,
        "name": office.name,
        "kind": office.kind,
        "city": office.city,
        "commune_code": office.commune_code,
        "departement": office.departement,
        "opened_on": office.opened_on.isoformat() if office.opened_on else None,
    }


def _staff(person: StaffMember) -> dict[str, object]:
    return {
        "given_name": person.given_name,
        "surname": person.surname,
        "job_title": person.job_title,
        "office": person.office,
        "hired_on": person.hired_on.isoformat(),
        "email": person.email,
    }
