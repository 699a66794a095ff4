"""The benchmark data sets, built once and cached as Parquet under ``data/`` (keyed by name, size and seed).

Every data set is a directory holding:

- ``records.parquet``: what a tool is given (``record_id`` plus the fields, all text, no truth);
- ``truth.parquet``: ``record_id`` → ``entity_id`` (the ground truth, read only by the scorer);
- ``truth_pairs.parquet`` (``left_id``, ``right_id``) where the truth is a list of pairs rather than whole
  entities (restaurants: the 112 cross-list pairs; within-list pairs are unknown, so they are not scored);
- for the linkage cases, ``new.parquet`` and ``registry.parquet`` instead of ``records.parquet``
  (``registry.parquet`` has an ``organisation_id``: the registry is already resolved, as in production).

Runs in the project's virtual environment (it needs ``grappe.demo``); the peers' environment only reads the
Parquet files.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
# ``shared/data/er`` beside the checkout (``../shared`` from the repository; a worktree may sit deeper).
SHARED_ER = next(
    (p / "shared" / "data" / "er" for p in HERE.parents if (p / "shared" / "data" / "er").is_dir()),
    HERE.parents[1].parent / "shared" / "data" / "er",
)
PATSTAT = SHARED_ER / "patstat"
RESTAURANTS = SHARED_ER / "restaurants"
REAL = ("restaurants", "patstat")  # real data nobody here generated, in the order the tables show them
SEED = 20160301
FIELDS = (
    "name", "siren", "siret", "street", "postcode", "city", "departement",
    "email", "website", "phone", "naf_code",
)  # fmt: skip


def directory(name: str) -> Path:
    return DATA / name


def generated_name(size: int, seed: int = SEED) -> str:
    return f"generated-{size}-s{seed}"


def link300_name(size: int = 1_000_000, seed: int = SEED) -> str:
    return f"link300-{size}-s{seed}"


def ensure(name: str) -> Path:
    """Build data set ``name`` unless it is cached; return its directory."""
    target = directory(name)
    if (target / "truth.parquet").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if name.startswith("generated-"):
        size, seed = _size_seed(name)
        _write_generated(target, size, seed)
    elif name.startswith("link300-"):
        size, seed = _size_seed(name)
        _write_link300(target, size, seed)
    elif name == "patstat":
        _write_patstat(target)
    elif name == "restaurants":
        _write_restaurants(target)
    elif name == "auvergne-tic":
        _write_auvergne_tic(target)
    else:
        raise SystemExit(f"unknown data set {name!r}")
    meta = json.loads((target / "meta.json").read_text()) if (target / "meta.json").exists() else {}
    meta["built_seconds"] = round(time.perf_counter() - started, 1)
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return target


def _size_seed(name: str) -> tuple[int, int]:
    _, size, seed = name.split("-")
    return int(size), int(seed.lstrip("s"))


def _text(table: pa.Table) -> pa.Table:
    return pa.table({column: pc.cast(table[column], pa.string()) for column in table.column_names})


def _write_generated(target: Path, size: int, seed: int) -> None:
    from grappe.demo.generator import generate_registry

    sample = generate_registry(size, seed=seed, duplicate_rate=0.3)
    table = _text(sample.table)
    pq.write_table(table.select(["record_id", *FIELDS]), target / "records.parquet")
    pq.write_table(table.select(["record_id", "entity_id"]), target / "truth.parquet")
    _meta(target, kind="generated", records=size, entities=sample.entity_count, seed=seed, duplicate_rate=0.3)


def _write_link300(target: Path, size: int, seed: int) -> None:
    from grappe.demo.generator import split_for_linkage

    source = ensure(generated_name(size, seed))
    from grappe.demo.registry import RegistrySample

    records = pq.read_table(source / "records.parquet")
    truth = pq.read_table(source / "truth.parquet")
    sample = RegistrySample(table=records, seed=seed, duplicate_rate=0.3)
    split = split_for_linkage(sample, new_count=300, seed=1)
    new_ids = pc.is_in(records["record_id"], value_set=split.incoming.table["record_id"])
    entity_of = truth["entity_id"]
    registry = records.filter(pc.invert(new_ids))
    # Prefixed: a cluster of new records only is named after its smallest record_id, and record and entity
    # numbers share one space here — unprefixed, "412" the record and "412" the organisation would be one cluster.
    organisations = pc.binary_join_element_wise("org:", entity_of.filter(pc.invert(new_ids)), "")
    registry = registry.append_column("organisation_id", organisations)
    pq.write_table(split.incoming.table, target / "new.parquet")
    pq.write_table(registry, target / "registry.parquet")
    pq.write_table(
        truth, target / "truth.parquet"
    )  # the scorer compares groupings, not the names of clusters
    known = pc.is_in(entity_of.filter(new_ids), value_set=entity_of.filter(pc.invert(new_ids)))
    _meta(
        target,
        new=300,
        registry=registry.num_rows,
        new_with_match=int(pc.sum(pc.cast(known, pa.int64())).as_py()),
        seed=seed,
    )


def _write_patstat(target: Path) -> None:
    """PATSTAT applicants: the raw name as PATSTAT holds it (legal-form variants and all), the coordinates."""
    names, truth = {}, {}
    with open(PATSTAT / "patstat_reference.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["person_id"]] = row["person_name"]
            truth[row["person_id"]] = row["leuven_id"]
    locations = {}
    with open(PATSTAT / "patstat_input.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            lat, lng = float(row["Lat"]), float(row["Lng"])
            locations[row["person_id"]] = f"{lat:.4f},{lng:.4f}" if (lat, lng) != (0.0, 0.0) else None
    ids = sorted(names, key=int)
    records = {"record_id": ids, "name": [names[i] for i in ids], "location": [locations.get(i) for i in ids]}
    for column in FIELDS[1:]:
        records[column] = [None] * len(ids)
    pq.write_table(pa.table(records), target / "records.parquet")
    pq.write_table(
        pa.table({"record_id": ids, "entity_id": [truth[i] for i in ids]}), target / "truth.parquet"
    )
    _meta(target, kind="patstat", records=len(ids), entities=len(set(truth.values())))


def _write_restaurants(target: Path) -> None:
    """Fodors–Zagat: both lists in one set to de-duplicate, ``f``/``z``-prefixed ids (the two lists number
    their rows independently), the fields name, street (``addr``), city and phone. ``type`` (the cuisine) is
    left out for every tool. The truth is the 112 cross-list pairs (one-to-one: each is an entity of two
    records, every other record an entity of its own)."""
    ids: list[str] = []
    fields: dict[str, list[str | None]] = {"name": [], "street": [], "city": [], "phone": []}
    for prefix, file in (("f", "fodors.csv"), ("z", "zagats.csv")):
        with open(RESTAURANTS / file, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                ids.append(f"{prefix}{row['id']}")
                for field, column in (
                    ("name", "name"),
                    ("street", "addr"),
                    ("city", "city"),
                    ("phone", "phone"),
                ):
                    fields[field].append(row[column].strip() or None)
    with open(RESTAURANTS / "matches_fodors_zagats.csv", newline="", encoding="utf-8") as handle:
        pairs = [(f"f{row['fodors_id']}", f"z{row['zagats_id']}") for row in csv.DictReader(handle)]
    entity = {record_id: record_id for record_id in ids}
    for left, right in pairs:
        entity[right] = entity[left]
    records: dict[str, list[str | None]] = {"record_id": list(ids)}
    for column in FIELDS:
        records[column] = fields.get(column, [None] * len(ids))
    pq.write_table(pa.table(records), target / "records.parquet")
    pq.write_table(
        pa.table({"record_id": ids, "entity_id": [entity[i] for i in ids]}), target / "truth.parquet"
    )
    pq.write_table(
        pa.table({"left_id": [a for a, _ in pairs], "right_id": [b for _, b in pairs]}),
        target / "truth_pairs.parquet",
    )
    _meta(
        target,
        kind="restaurants",
        records=len(ids),
        fodors=sum(i.startswith("f") for i in ids),
        zagats=sum(i.startswith("z") for i in ids),
        true_pairs=len(pairs),
        scoring="cross-list pairs",
        sides=["f", "z"],
    )


# Export headers of the story's networks → linkage fields (what the intake header mapping does for a user).
EXPORT_FIELDS = {
    "numelink": {"Raison sociale": "name", "SIRET": "siret", "Adresse": "street", "CP": "postcode",
                 "Ville": "city", "Tél.": "phone", "E-mail": "email", "Site web": "website", "Code APE": "naf_code"},
    "rhonealley": {"Nom de l'entreprise": "name", "N° SIRET": "siret", "Adresse": "street",
                   "Code postal": "postcode", "Commune": "city", "Téléphone": "phone", "Courriel": "email",
                   "Site internet": "website", "Code NAF": "naf_code"},
    "auvergne_tic": {"Entreprise": "name", "Siret": "siret", "Adresse 1": "street", "Code Postal": "postcode",
                     "Ville": "city", "Tel": "phone", "Mail": "email", "Site": "website", "APE": "naf_code"},
}  # fmt: skip


def _cell(value: object) -> str | None:
    """A spreadsheet cell as the importer reads it: numbers written without ".0", empty cells as None."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _export_rows(story: object, key: str) -> list[dict[str, str | None]]:
    export = story.export(key)  # type: ignore[attr-defined]
    mapping = EXPORT_FIELDS[key]
    rows = []
    for row in export.rows:
        record: dict[str, str | None] = {"record_id": f"{key}:{row.line}", "entity_id": row.entity_id}
        for header, cell in zip(export.headers, row.cells, strict=True):
            if header in mapping:
                record[mapping[header]] = _cell(cell)
        rows.append(record)
    return rows


def _write_auvergne_tic(target: Path) -> None:
    """The real case: Auvergne TIC's export linked into Numélink's registry after RhoneAlley (220 members)."""
    from grappe.demo.generator import generate_story

    story = generate_story(2016)
    registry_rows = _export_rows(story, "numelink") + _export_rows(story, "rhonealley")
    new_rows = _export_rows(story, "auvergne_tic")
    columns = ["record_id", *[f for f in FIELDS if f != "departement"]]

    def table(rows: list[dict[str, str | None]], with_org: bool) -> pa.Table:
        data = {column: pa.array([row.get(column) for row in rows], pa.string()) for column in columns}
        if with_org:  # the registry after the first merger is resolved: one organisation per company
            data["organisation_id"] = pa.array([row["entity_id"] for row in rows], pa.string())
        return pa.table(data)

    pq.write_table(table(new_rows, False), target / "new.parquet")
    pq.write_table(table(registry_rows, True), target / "registry.parquet")
    everything = registry_rows + new_rows
    pq.write_table(
        pa.table(
            {
                "record_id": [r["record_id"] for r in everything],
                "entity_id": [r["entity_id"] for r in everything],
            }
        ),
        target / "truth.parquet",
    )
    members_before = len({r["entity_id"] for r in registry_rows})
    _meta(
        target,
        new=len(new_rows),
        registry=len(registry_rows),
        members_before=members_before,
        members_after=len({r["entity_id"] for r in everything}),
        story_seed=2016,
    )


def _meta(target: Path, **values: object) -> None:
    (target / "meta.json").write_text(json.dumps(values, indent=2) + "\n")


def meta(name: str) -> dict[str, object]:
    path = directory(name) / "meta.json"
    return json.loads(path.read_text()) if path.exists() else {}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build (or find cached) benchmark data sets.")
    parser.add_argument("names", nargs="+")
    for dataset in parser.parse_args().names:
        print(ensure(dataset), file=sys.stderr)
