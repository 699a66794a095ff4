"""The demo story generator: the articles' figures, files a person could open, and truth that points right."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook
from stdnum import luhn
from stdnum.fr import siren as siren_check
from stdnum.fr import siret as siret_check

from grappe.demo import noise, registry
from grappe.demo.companies import WEBMAIL_DOMAINS, mobile
from grappe.demo.generator import (
    NoiseRates,
    Story,
    StoryFiles,
    generate_registry,
    generate_story,
    split_for_linkage,
    write_story,
)
from grappe.demo.hard_cases import JUNK_EMAILS, JUNK_WEBSITES, SHARED_EMAILS, HardCases
from grappe.demo.identifiers import luhn_key
from grappe.demo.registry import COLUMNS, HARD_CASE_COLUMNS, LINKAGE_COLUMNS, real_exports_records
from grappe.demo.story import AUVERGNE_TIC, CLUSTR, NUMBERS, NUMELINK, RHONEALLEY, SEVEN_DEPARTEMENTS
from grappe.france.contact import check_phone
from grappe.intake.headers import suggest_mapping

# Per export: (identifier header, identifier digits, name header, contact e-mail header).
COLUMNS_TO_CHECK = {
    NUMELINK: ("SIRET", 14, "Raison sociale", "E-mail contact"),
    RHONEALLEY: ("N° SIRET", 14, "Nom de l'entreprise", "Courriel du contact"),
    AUVERGNE_TIC: ("Siret", 14, "Entreprise", "Mail contact"),
    CLUSTR: ("SIREN", 9, "Company", "Contact email"),
}


@pytest.fixture(scope="module")
def story() -> Story:
    return generate_story(2016)


@pytest.fixture(scope="module")
def files(story: Story, tmp_path_factory: pytest.TempPathFactory) -> StoryFiles:
    return write_story(story, tmp_path_factory.mktemp("story"))


@pytest.fixture(scope="module")
def truth(files: StoryFiles) -> list[dict[str, str]]:
    with files.truth.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _members(truth: list[dict[str, str]], *associations: str) -> set[str]:
    return {row["entity_id"] for row in truth if row["association"] in associations}


def _read_rows(path: Path, sheet: str) -> dict[int, tuple[object, ...]]:
    """Line number as a spreadsheet or a text editor shows it → the row's cells, read with a standard reader."""
    if path.suffix == ".csv":
        rows = {}
        reader = csv.reader(io.StringIO(path.read_bytes().decode("cp1252"), newline=""), delimiter=";")
        start = 1
        for cells in reader:
            rows[start] = tuple(cells)
            start = reader.line_num + 1
        return rows
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path)
        return dict(enumerate(workbook[sheet].iter_rows(values_only=True), start=1))
    workbook = CalamineWorkbook.from_path(str(path))
    return dict(enumerate(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False), start=1))


def _digits(cell: object) -> str:
    return "".join(ch for ch in str(cell) if ch.isdigit())


# --- the story ---------------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(files: StoryFiles, tmp_path: Path) -> None:
    # In another process with another hash seed: nothing may depend on set order or on the clock.
    script = "import sys; from pathlib import Path; from grappe.demo.generator import generate_story, write_story; "
    script += "write_story(generate_story(2016), Path(sys.argv[1]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    for first in files.all:
        assert first.read_bytes() == (tmp_path / first.name).read_bytes(), first.name


def test_another_seed_gives_other_companies(story: Story) -> None:
    other = generate_story(7)
    assert {c.name for c in other.companies} != {c.name for c in story.companies}
    assert len(other.companies) == len(story.companies) == NUMBERS.after_clustr


def test_the_articles_figures_hold_in_the_truth(truth: list[dict[str, str]]) -> None:
    assert len(_members(truth, NUMELINK)) == NUMBERS.numelink_members
    assert len(_members(truth, RHONEALLEY)) == NUMBERS.rhonealley_members
    assert len(_members(truth, AUVERGNE_TIC)) == NUMBERS.auvergne_tic_members
    assert len(_members(truth, CLUSTR)) == NUMBERS.clustr_members == 320
    assert len(_members(truth, NUMELINK, RHONEALLEY)) == 220
    assert len(_members(truth, NUMELINK, RHONEALLEY, AUVERGNE_TIC)) == 300
    assert len(_members(truth, NUMELINK, RHONEALLEY, AUVERGNE_TIC, CLUSTR)) == NUMBERS.after_clustr > 600


def test_story_json_gives_the_counts_per_merger_and_departement(files: StoryFiles, story: Story) -> None:
    summary = json.loads(files.story.read_text(encoding="utf-8"))
    assert [stage["members"] for stage in summary["mergers"]] == [220, 300, NUMBERS.after_clustr]
    assert [stage["vote_date"] for stage in summary["mergers"]][1] == "2016-03-31"
    after_auvergne = summary["mergers"][1]["members_per_departement"]
    assert sorted(after_auvergne) == sorted(SEVEN_DEPARTEMENTS)
    assert sorted(summary["mergers"][-1]["members_per_departement"]) == sorted((*SEVEN_DEPARTEMENTS, "74"))
    for stage, merger in zip(summary["mergers"], story.mergers, strict=True):
        assert sorted(stage["members_per_departement"]) == sorted(merger.departements_after)
    members = {item["key"]: item["members"] for item in summary["associations"]}
    assert members == {NUMELINK: 160, RHONEALLEY: 66, AUVERGNE_TIC: 84, CLUSTR: 320}


def test_numelink_has_seven_staff_one_newly_hired_in_clermont_ferrand(story: Story) -> None:
    numelink = story.association(NUMELINK)
    assert len(numelink.staff) == 7
    offices = {office.key: office for office in numelink.offices}
    assert {office.city for office in offices.values()} >= {"Saint-Étienne", "Roanne", "Valence"}
    clermont = [person for person in numelink.staff if offices[person.office].city == "Clermont-Ferrand"]
    assert len(clermont) == 1 and clermont[0].hired_on > datetime.date(2016, 3, 31)
    assert numelink.board_size == 40 and story.mergers[1].board_size_after == 50


def test_identifiers_are_valid_and_never_shared(story: Story, truth: list[dict[str, str]]) -> None:
    sirens = [company.siren for company in story.companies]
    assert len(set(sirens)) == len(sirens)
    assert not set(sirens) & {association.siren for association in story.associations}
    for row in truth:
        assert siren_check.is_valid(row["siren"]) and siret_check.is_valid(row["siret"])
        assert row["siret"].startswith(row["siren"])
    for company in story.companies:
        for establishment in company.establishments:
            if establishment.former_siret:
                assert siret_check.is_valid(establishment.former_siret)


def test_big_groups_are_members_through_several_establishments(
    story: Story, truth: list[dict[str, str]]
) -> None:
    sites: dict[str, set[str]] = defaultdict(set)
    for row in truth:
        sites[row["entity_id"]].add(row["establishment_id"])
    groups = [entity for entity, ids in sites.items() if len(ids) > 1]
    assert len(groups) >= 3
    for entity in groups:
        company = story.company(entity)
        departements = {company.establishment(site).address.departement for site in sites[entity]}
        assert len(departements) > 1
        assert len({company.establishment(site).siret for site in sites[entity]}) == len(sites[entity])
    assert any(story.company(entity).headcount_bracket in ("51", "52") for entity in groups)


def test_company_mix_looks_like_a_digital_cluster(story: Story) -> None:
    companies = story.companies
    small = sum(c.headcount_bracket in ("00", "01", "02", "03", "11", "12") for c in companies)
    assert small / len(companies) > 0.8
    startups = [c for c in companies if c.is_startup]
    assert 0.03 < len(startups) / len(companies) < 0.07
    first_export = {}
    for membership in story.memberships:
        export_date = story.association(membership.association).export_date
        first_export[membership.entity_id] = min(
            export_date, first_export.get(membership.entity_id, export_date)
        )
    # A start-up was created less than two years before the first export that lists it.
    assert all((first_export[c.entity_id] - c.created_on).days <= 2 * 365 for c in startups)
    digital = {"58", "62", "63", "26", "61", "70", "73", "74", "71", "85", "72", "59"}
    assert all(c.naf_code[:2] in digital for c in companies)
    cities = [e.address.city for c in companies for e in c.establishments]
    for big_city in ("Saint-Étienne", "Lyon", "Clermont-Ferrand", "Grenoble", "Valence"):
        assert cities.count(big_city) >= 5, big_city


# --- noise -------------------------------------------------------------------------------------------------


def test_noise_is_applied_at_the_documented_rates(story: Story) -> None:
    rates = story.noise
    for export in story.exports:
        rows = [row for row in export.rows if "duplicate_row" not in row.noise]
        assert len(export.rows) - len(rows) == rates.duplicate_rows
        for kind in noise.ROW_KINDS:
            count = sum(kind in row.noise for row in rows)
            expected = round(getattr(rates, kind) * len(rows))
            if kind == "old_address":  # only companies that moved can show one
                assert 0 < count <= expected
            else:
                assert count == expected, (export.file_name, kind)


def test_noise_shows_in_the_cells(story: Story) -> None:
    numelink = story.export(NUMELINK)
    siret_column = numelink.headers.index("SIRET")
    by_kind: dict[str, list[str]] = defaultdict(list)
    for row in numelink.rows:
        for kind in row.noise:
            by_kind[kind].append(str(row.cells[siret_column]))
    assert all(cell == "" for cell in by_kind["siret_missing"])
    assert all("E+13" in cell and "," in cell for cell in by_kind["siret_spreadsheet"])
    assert all(not luhn.is_valid(cell) for cell in by_kind["siret_bad_checksum"])
    assert all(len(cell.split()) == 4 for cell in by_kind["siret_spaced"])
    rhonealley = story.export(RHONEALLEY)
    postcodes = [row.cells[rhonealley.headers.index("Code postal")] for row in rhonealley.rows]
    assert any(isinstance(code, int) and code < 10000 for code in postcodes)  # Ardèche lost its 0


def test_members_of_two_networks_appear_in_both_exports_written_differently(story: Story) -> None:
    rows_of: dict[str, dict[str, tuple[object, ...]]] = defaultdict(dict)
    for export in story.exports:
        for row in export.rows:
            if "duplicate_row" not in row.noise:
                rows_of[row.entity_id][export.association] = row.cells
    in_both = {
        pair: {e for e, rows in rows_of.items() if set(pair) <= set(rows)}
        for pair in ((NUMELINK, RHONEALLEY),)
    }
    assert len(in_both[(NUMELINK, RHONEALLEY)]) == NUMBERS.numelink_rhonealley_shared
    before = {e for e, rows in rows_of.items() if rows.keys() & {NUMELINK, RHONEALLEY}}
    auvergne = {e for e, rows in rows_of.items() if AUVERGNE_TIC in rows}
    assert len(before & auvergne) == NUMBERS.auvergne_tic_shared
    clustr = {e for e, rows in rows_of.items() if CLUSTR in rows}
    assert len((before | auvergne) & clustr) == NUMBERS.clustr_shared
    # The same company reads differently from one network's file to the other's (other layout, other noise).
    for entity in in_both[(NUMELINK, RHONEALLEY)]:
        assert rows_of[entity][NUMELINK] != rows_of[entity][RHONEALLEY]


def test_noise_functions() -> None:
    assert noise.spreadsheet_scientific("41234567800012") == "4,12346E+13"
    assert noise.spaced_identifier("412345678") == "412 345 678"
    assert noise.format_phone("0477123456", "international_zero") == "+33 (0)4 77 12 34 56"
    assert noise.format_phone("0477123456", "lost_zero") == "477123456"
    assert noise.city_variant("Lyon", "69003", __import__("random").Random(1)) in (
        "LYON 03",
        "Lyon 3ème",
        "Lyon 3e",
        "LYON",
    )
    assert luhn_key("73282932") == luhn.calc_check_digit("73282932")


# --- files -------------------------------------------------------------------------------------------------


def test_exports_reopen_and_truth_lines_point_at_their_company(
    story: Story, files: StoryFiles, truth: list[dict[str, str]]
) -> None:
    memberships = {(m.association, m.entity_id, m.establishment_id): m for m in story.memberships}
    noise_of = {(row["file"], int(row["line"])): set(row["noise"].split()) for row in truth}
    checked = 0
    for export in story.exports:
        path = files.exports[export.association]
        rows = _read_rows(path, export.sheet)
        assert tuple(rows[export.header_line])[: len(export.headers)] == export.headers
        identifier, digits, name_header, contact_header = COLUMNS_TO_CHECK[export.association]
        column = {header: index for index, header in enumerate(export.headers)}
        lines = [int(row["line"]) for row in truth if row["file"] == export.file_name]
        assert lines == sorted(lines) and len(lines) == len(export.rows)
        assert max(lines) == max(rows)  # nothing after the last truth line
        for row in (row for row in truth if row["file"] == export.file_name):
            line = int(row["line"])
            cells = rows[line]
            company = story.company(row["entity_id"])
            establishment = company.establishment(row["establishment_id"])
            membership = memberships[(export.association, row["entity_id"], row["establishment_id"])]
            assert cells[column[contact_header]] == membership.contact.email
            kinds = noise_of[(export.file_name, line)]
            if not kinds & {*noise.SIRET_KINDS, "old_address"}:
                assert _digits(cells[column[identifier]]) == establishment.siret[:digits]
            if not kinds & {"name_typo", "name_variant"}:
                expected = company.name if export.association == RHONEALLEY else company.full_name
                assert cells[column[name_header]] == expected
            checked += 1
    assert checked == len(truth)


def test_ods_export_opens_with_odfpy(story: Story, files: StoryFiles) -> None:
    from odf.opendocument import load
    from odf.table import Table, TableRow

    document = load(str(files.exports[AUVERGNE_TIC]))
    (table,) = document.spreadsheet.getElementsByType(Table)
    assert table.getAttribute("name") == story.export(AUVERGNE_TIC).sheet
    assert len(table.getElementsByType(TableRow)) == 1 + len(story.export(AUVERGNE_TIC).rows)


def test_member_sheet_of_clustr_is_not_the_first_one(files: StoryFiles) -> None:
    workbook = openpyxl.load_workbook(files.exports[CLUSTR])
    assert workbook.sheetnames == ["Synthèse", "Adhérents"]


def test_numelink_csv_is_windows_1252_with_semicolons(files: StoryFiles) -> None:
    data = files.exports[NUMELINK].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    header = data.decode("cp1252").split("\r\n", 1)[0]
    assert header.startswith("Raison sociale;SIRET;Adresse;CP;Ville;Tél.;E-mail;Site web;Date d'adhésion")
    assert "€" in data.decode("cp1252")


def test_every_header_is_recognised_by_the_intake_mapper(story: Story) -> None:
    for export in story.exports:
        mapping = suggest_mapping(list(export.headers))
        assert len(mapping) == len(export.headers), export.file_name
        assert {"name", "postcode", "city", "email"} <= set(mapping.values())
        assert {"siret", "siren"} & set(mapping.values())


# --- benchmark registries ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    return generate_registry(10_000, seed=3)


def test_registry_shape_and_duplicate_rate(sample) -> None:  # type: ignore[no-untyped-def]
    table = sample.table
    assert table.column_names == list(COLUMNS)
    assert len(sample) == 10_000
    assert sample.entity_count == 7_000
    assert sorted(sample.column("record_id")) == list(range(10_000))


def test_registry_is_deterministic_and_seeded(sample) -> None:  # type: ignore[no-untyped-def]
    assert generate_registry(10_000, seed=3).table.equals(sample.table)
    assert not generate_registry(10_000, seed=4).table.equals(sample.table)


def test_registry_noise_and_identifiers(sample) -> None:  # type: ignore[no-untyped-def]
    rates = NoiseRates()
    sirets = sample.column("siret")
    assert sirets.count("") == round(rates.siret_missing * 10_000)
    assert sum("E+13" in value for value in sirets) == round(rates.siret_spreadsheet * 10_000)
    owners: dict[str, set[int]] = defaultdict(set)
    for siren, siret, entity in zip(sample.column("siren"), sirets, sample.column("entity_id"), strict=True):
        if siret.isdigit() and siret_check.is_valid(siret):
            assert siren_check.is_valid(siren) and siret.startswith(siren)
            owners[siren].add(entity)
    assert all(len(entities) == 1 for entities in owners.values())
    assert len(owners) > 5_800  # entities whose every record lost its SIRET are left out


def test_registry_namesakes_have_domains_of_their_own() -> None:
    # Names are drawn at random, so a large registry has namesakes; a domain is registered once, so two
    # organisations never share one (webmail addresses aside).
    table = generate_registry(30_000, seed=3).table
    holders: dict[str, set[int]] = defaultdict(set)
    names: dict[str, set[int]] = defaultdict(set)
    for row in table.select(["entity_id", "name", "email", "website"]).to_pylist():
        names[row["name"].lower()].add(row["entity_id"])
        domains = {row["email"].split("@")[-1]} if row["email"] else set()
        if row["website"]:
            domains.add(row["website"].split("//")[-1].split("/")[0].lower().removeprefix("www."))
        for domain in domains - set(WEBMAIL_DOMAINS):
            holders[domain].add(row["entity_id"])
    assert sum(len(entities) > 1 for entities in names.values()) > 100  # namesakes there are
    assert all(len(entities) == 1 for entities in holders.values())


def test_split_for_linkage(sample, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    split = split_for_linkage(sample, new_count=300)
    assert len(split.incoming) == 300 and len(split.registry) == 9_700
    ids = set(split.registry.column("record_id")) | set(split.incoming.column("record_id"))
    assert len(ids) == 10_000
    assert 0 < split.incoming_with_match < 300
    assert len(split_for_linkage(sample, 0.1).incoming) == 1_000
    import pyarrow.parquet as pq

    path = split.incoming.write_parquet(tmp_path / "incoming.parquet")
    assert pq.read_table(path).equals(split.incoming.table)
    csv_path = split.incoming.write_csv(tmp_path / "incoming.csv")
    assert csv_path.read_text(encoding="utf-8").count("\n") == 301


@given(st.integers(min_value=0, max_value=2**32))
def test_made_up_mobile_numbers_are_in_allocated_ranges(seed):
    # An unallocated number is refused at import like a typo: the demo's clean values must pass the check.
    number = mobile(random.Random(seed))
    assert check_phone(number).ok, number


# --- pinned outputs ----------------------------------------------------------------------------------------
# Benchmarks, the intake and linkage tests and the story's exact member counts rest on these draws: a new
# option of the generator must leave its default output exactly as it was (digests taken on 2026-12-04, before
# the real-exports profile was added). Change a digest only on purpose, and say so in NOISE.md.


def _registry_digest(sample) -> str:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256()
    for row in sample.table.to_pylist():
        digest.update(repr(sorted(row.items())).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def test_default_registry_output_is_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _registry_digest(generate_registry(2_000, seed=3, duplicate_rate=0.3)) == (
        "0894ee59817103129d7248c9e4d17b4da7c40d99e468f92131c9fe8c941a883a"
    )
    assert _registry_digest(generate_registry(2_000, seed=5, duplicate_rate=0.1)) == (
        "3e7f3203cc5c7db2f4fc1ec445fbacc72a1a317909f14f772b8b490b844ab041"
    )
    # Several chunks (small ones here, to stay fast): domains handed out across chunks, per-chunk draws.
    monkeypatch.setattr(registry, "_CHUNK", 500)
    assert _registry_digest(generate_registry(1_200, seed=9)) == (
        "251c795af34ce92d88ac7727e2254d8881cfc044243b91c5f9acbd7e28b6da1c"
    )


def test_story_rows_are_pinned(story: Story) -> None:
    digest = hashlib.sha256()
    for export in story.exports:
        digest.update(repr((export.association, export.file_name, export.sheet, export.headers)).encode())
        for row in export.rows:
            digest.update(
                repr((row.line, row.entity_id, row.establishment_id, row.cells, row.noise)).encode()
            )
            digest.update(b"\n")
    assert digest.hexdigest() == "5177ac81bb93468f0d27cdc163b3bcc50ad43f31ff1a4d731c3e92f6ed4b3062"


# --- the real-exports profile (hard cases) -----------------------------------------------------------------

HARD_SIZE = 6_000
HARD_ENTITIES = HARD_SIZE - round(HARD_SIZE * 0.3)


@pytest.fixture(scope="module")
def hard():  # type: ignore[no-untyped-def]
    return generate_registry(HARD_SIZE, seed=3, duplicate_rate=0.3, hard_cases=True)


@pytest.fixture(scope="module")
def hard_rows(hard) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return hard.records()


def _phone_digits(value: object) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def test_hard_cases_are_opt_in_and_keep_the_truth(hard, sample) -> None:  # type: ignore[no-untyped-def]
    default = generate_registry(HARD_SIZE, seed=3, duplicate_rate=0.3)
    assert hard.table.column_names == list(HARD_CASE_COLUMNS)
    # Same organisations, same records: only cells change, never which entity a record belongs to.
    assert hard.table["entity_id"].equals(default.table["entity_id"])
    assert hard.table["record_id"].equals(default.table["record_id"])
    assert hard.hard_cases == HardCases.real_exports()
    assert generate_registry(HARD_SIZE, seed=3, hard_cases="real-exports").table.equals(hard.table)
    assert generate_registry(HARD_SIZE, seed=3, hard_cases=HardCases()).table.equals(hard.table)
    assert sample.hard_cases is None and "country" not in sample.table.column_names
    with pytest.raises(ValueError, match="unknown hard-cases profile"):
        generate_registry(10, seed=1, hard_cases="clean")


def test_records_have_the_linkage_engine_column_names(hard_rows, sample) -> None:  # type: ignore[no-untyped-def]
    assert all(tuple(row) == LINKAGE_COLUMNS for row in hard_rows[:50])
    default_rows = sample.records()
    assert tuple(default_rows[0]) == LINKAGE_COLUMNS
    assert {row["country"] for row in default_rows} == {"FR"}
    assert len(real_exports_records(500, seed=1)) == 500
    assert {row["country"] for row in hard_rows} == {"FR", "CH", "BE", "IT", "US"}


def test_a_third_of_rows_have_no_postcode(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    rates = hard.hard_cases
    nowhere = [row for row in hard_rows if not row["postcode"] and row["city"]]
    assert len(nowhere) == round(rates.no_postcode * HARD_SIZE) == hard.hard_case_counts["no_postcode"]
    # The département is read from the postcode: without one, it is unknown too.
    assert all(not row["departement"] for row in hard_rows if not row["postcode"])
    assert sum(not row["postcode"] for row in hard_rows) / HARD_SIZE == pytest.approx(0.41, abs=0.01)


def test_one_field_addresses(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    one_field = [row for row in hard_rows if not row["city"]]
    assert len(one_field) == round(hard.hard_cases.one_field_address * HARD_SIZE)
    assert all(not row["postcode"] and not row["departement"] for row in one_field)
    french = [row for row in one_field if row["country"] == "FR"]
    # "12 rue X 42000 Saint-Étienne", "…, 42000 Saint-Étienne", "… - 42000 SAINT-ETIENNE"
    assert all(re.search(r"\d{5} \S", str(row["street"])) for row in french)
    assert any(re.fullmatch(r"\d+ .+ \d{5} [A-ZÉ][a-zé].*", str(row["street"])) for row in french)
    foreign = [row for row in one_field if row["country"] != "FR"]
    assert foreign and all(re.search(r"\b\d{4,5}\b", str(row["street"])) for row in foreign)


def test_foreign_members_have_their_own_postcodes_and_phone_plans(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    import phonenumbers

    countries: dict[int, set[str]] = defaultdict(set)
    for row in hard_rows:
        countries[row["entity_id"]].add(row["country"])
    assert all(len(found) == 1 for found in countries.values())  # an organisation is in one country
    per_country = Counter(next(iter(found)) for found in countries.values())
    for country, rate in hard.hard_cases.foreign_rates.items():
        assert per_country[country] == round(rate * HARD_ENTITIES), country
    postcode = {"FR": r"\d{5}", "CH": r"\d{4}", "BE": r"\d{4}", "IT": r"\d{5}", "US": r"\d{5}"}
    us_local = re.compile(r"\d{3}[- ]?\d{4}")
    phones: dict[str, list[str]] = defaultdict(list)
    for row in hard_rows:
        country = str(row["country"])
        if row["postcode"]:
            assert re.fullmatch(postcode[country], str(row["postcode"])), row
        if country == "FR":
            continue
        assert not row["siren"] and not row["siret"] and not row["departement"]
        phone = str(row["phone"])
        if not phone or (country == "US" and us_local.fullmatch(phone)):
            continue
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone, country)), row
        phones[country].append(phone)
    # The examples: "+41 22 345 67 89", "022 345 67 89", "(773) 251-1196", "773-251-1196", "7732511196".
    for country, style in (
        ("CH", r"\+41 \d\d \d{3} \d\d \d\d"),
        ("CH", r"0\d\d \d{3} \d\d \d\d"),
        ("US", r"\(\d{3}\) \d{3}-\d{4}"),
        ("US", r"\d{3}-\d{3}-\d{4}"),
        ("US", r"\d{10}"),
        ("BE", r"\+32 .+"),
        ("IT", r"\+39 0.+"),
    ):
        assert any(re.fullmatch(style, phone) for phone in phones[country]), (country, style)


def test_local_phones_without_area_code(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    us_local = [row for row in hard_rows if re.fullmatch(r"\d{3}[- ]?\d{4}", str(row["phone"]))]
    french_local = [
        row
        for row in hard_rows
        if re.fullmatch(r"[1-9][ .]\d\d[ .]\d\d[ .]\d\d[ .]\d\d|[1-9]\d\d \d\d \d\d \d\d", str(row["phone"]))
    ]
    assert {row["country"] for row in us_local} == {"US"} and {row["country"] for row in french_local} == {
        "FR"
    }
    assert len(us_local) + len(french_local) == round(hard.hard_cases.local_phone * HARD_SIZE)
    assert us_local and len(french_local) > 0.8 * round(hard.hard_cases.local_phone * HARD_SIZE)


def test_franchises_share_a_name_and_a_phone_across_towns_but_stay_distinct(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    holders: dict[str, set[int]] = defaultdict(set)
    for row in hard_rows:
        if row["phone"]:
            holders[_phone_digits(row["phone"])[-9:]].add(row["entity_id"])
    groups = [entities for entities in holders.values() if len(entities) > 1]
    expected = round(hard.hard_cases.franchise * HARD_ENTITIES)
    assert (
        expected - 1 <= sum(len(group) for group in groups) == hard.hard_case_counts["franchise"] <= expected
    )
    for group in groups:
        rows = [row for row in hard_rows if row["entity_id"] in group]
        # One brand name across the outlets (a record may still carry its own typo or abbreviation).
        holders_of_name = Counter(name for _, name in {(row["entity_id"], row["name"]) for row in rows})
        assert holders_of_name.most_common(1)[0][1] == len(group), rows
        cities = {row["entity_id"]: row["city"] for row in rows if row["city"]}
        assert len(set(cities.values())) == len(cities)  # one town each
        sirens = {(row["entity_id"], row["siren"]) for row in rows if siren_check.is_valid(str(row["siren"]))}
        assert len({siren for _, siren in sirens}) == len(sirens)  # distinct companies, each its own SIREN


def test_names_and_streets_abbreviated_and_misspelt(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    counts, rates = hard.hard_case_counts, hard.hard_cases
    for kind in ("name_abbreviation", "name_typo_extra", "street_abbreviation", "street_typo"):
        assert counts[kind] == round(getattr(rates, kind) * HARD_SIZE), kind
    assert counts["name_article"] == round(rates.name_article * HARD_ENTITIES)
    names_ = [str(row["name"]) for row in hard_rows]
    societe = sum(bool(re.match(r"(Ste|Sté|STE)\.? ", name)) for name in names_)
    assert 0.15 * counts["name_abbreviation"] < societe < 0.6 * counts["name_abbreviation"]
    article = re.compile(r"(Le |La |L'|The )", re.IGNORECASE)
    with_article = {row["entity_id"] for row in hard_rows if article.match(str(row["name"]))}
    dropped = {
        row["entity_id"]
        for row in hard_rows
        if row["entity_id"] in with_article and not article.match(str(row["name"]))
    }
    # (Not all: "SAS Novalys" or "Société Novalys", the form written first, takes no article.)
    assert len(with_article) >= 0.85 * counts["name_article"] and dropped
    streets = [str(row["street"]) for row in hard_rows]
    short = re.compile(
        r"\b(bd|Bd|BD|blvd|bld|av\.|Av\.|ave|r\.|R\.|ch\.|chem\.|rte|imp\.|pl\.|Chée|str\.)(\s|$)"
    )
    assert sum(bool(short.search(street)) for street in streets) > 0.3 * counts["street_abbreviation"]


def test_junk_and_shared_contact_columns(hard, hard_rows) -> None:  # type: ignore[no-untyped-def]
    rates = hard.hard_cases
    emails = [row["email"] for row in hard_rows]
    assert sum(email in JUNK_EMAILS for email in emails) == round(rates.junk_email * HARD_SIZE)
    assert sum(email in SHARED_EMAILS for email in emails) == round(rates.shared_email * HARD_SIZE)
    sharing = {row["entity_id"] for row in hard_rows if row["email"] == "contact@gmail.com"}
    assert len(sharing) > 10  # one generic address, many unrelated organisations
    websites = [row["website"] for row in hard_rows]
    assert sum(website in JUNK_WEBSITES for website in websites) == round(rates.junk_website * HARD_SIZE)


def test_hard_cases_over_several_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_CHUNK", 500)
    sample = generate_registry(1_200, seed=9, hard_cases=True)
    assert sample.table["entity_id"].equals(generate_registry(1_200, seed=9).table["entity_id"])
    assert sample.hard_case_counts["no_postcode"] == 3 * round(400 / 3)  # exact counts, chunk by chunk
    split = split_for_linkage(sample, new_count=100)
    assert split.incoming.hard_cases == sample.hard_cases
    assert "country" in split.registry.table.column_names
