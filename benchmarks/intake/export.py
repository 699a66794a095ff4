"""The benchmark's member export: a federation's CSV of ``size`` rows, built once and cached under ``data/``.

The companies come from ``grappe.demo.generator.generate_registry`` (French registries with the story's noise
model: name variants and typos, missing / bad-checksum / Excel-mangled / spaced SIRETs, moved companies, other
e-mails, phone and website formats, abbreviated cities, missing postcodes, duplicate records of a company). The
file has the layout of Numélink's old CRM in the demo story (``grappe.demo.exports``: Windows-1252, ``;``,
CRLF, French headers, "1 200,00 €", dd/mm/yyyy) and is written by the demo's own CSV writer. A registry
record has no membership or contact, so those columns are drawn here, per company, from the demo's name lists
and fee schedule: the rows of one company agree, as they would in a real CRM.

    .venv/bin/python benchmarks/intake/export.py 200000     # prints the path of the (cached) file
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import random
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grappe.demo.model import Export

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20160301
# Companies entered more than once (by two people, or once per site): what a federation's export carries. The
# linkage benchmark's 30 % is a merger of registries; one network's own file repeats far fewer.
DUPLICATE_RATE = 0.05
ASSOCIATION = "Fédération des grappes numériques"  # the network the file is imported into

# A federation's CRM exports what Numélink's does, plus the columns a network of networks keeps per member.
EXTRA_HEADERS = ("Collège", "Statut", "Compétences", "Observations")
COLLEGES = ("Entreprises", "Start-up", "Laboratoires et écoles", "Collectivités", "Membres associés")
STATUSES = ("à jour", "en attente", "non renouvelée", "Adhérent")
SKILLS = (
    "Cybersécurité", "Cloud", "Intelligence artificielle", "Développement web", "Applications mobiles",
    "Internet des objets", "Conseil en transformation numérique", "Hébergement", "Data", "Formation",
    "Réseaux et télécoms", "Logiciel métier", "E-commerce", "Design UX/UI", "Robotique",
)  # fmt: skip
NOTES = (
    "Relancé le 12/03/2024 pour la cotisation ; règlement par virement annoncé.",
    "Adhérent depuis la fusion ; « membre actif » du collège, présent aux AG.",
    "Souhaite figurer dans l'annuaire sans son téléphone.",
    "Changement de dirigeant en 2023 : contact à mettre à jour.",
    "Facture à adresser au siège, service comptabilité.",
)


def path_for(size: int, seed: int = SEED) -> Path:
    return DATA / f"federation-{size}-s{seed}.csv"


def generator_fingerprint() -> str:
    """A digest of the demo package's code: a cached export is rebuilt once the generator has changed."""
    import grappe.demo

    digest = hashlib.sha256()
    for source in sorted(Path(grappe.demo.__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def ensure(size: int, seed: int = SEED) -> Path:
    """The export of ``size`` rows, written unless cached; its facts sit beside it in ``.json``."""
    path = path_for(size, seed)
    facts_path = path.with_suffix(".json")
    fingerprint = generator_fingerprint()
    if path.exists() and facts_path.exists() and facts(size, seed).get("generator") == fingerprint:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    export = build(size, seed)
    from grappe.demo.writers import csv_bytes

    content = csv_bytes(export)
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    partial.replace(path)
    written = {
        "rows": size,
        "bytes": len(content),
        "seed": seed,
        "duplicate_rate": DUPLICATE_RATE,
        "encoding": export.encoding,
        "delimiter": export.delimiter,
        "built_seconds": round(time.perf_counter() - started, 1),
        "generator": fingerprint,
    }
    facts_path.write_text(json.dumps(written, indent=2) + "\n")
    return path


def facts(size: int, seed: int = SEED) -> dict[str, object]:
    """What ``ensure`` recorded about the export it wrote (rows, bytes, seed, generator…)."""
    return json.loads(path_for(size, seed).with_suffix(".json").read_text())


def build(size: int, seed: int = SEED) -> Export:
    """The export as a ``grappe.demo.model.Export`` (Numélink's layout), rows in registry order."""
    from grappe.demo import exports, names, noise
    from grappe.demo.companies import HEADCOUNT_BRACKETS, headcount, mobile
    from grappe.demo.generator import generate_registry
    from grappe.demo.model import Export, ExportRow
    from grappe.demo.story import FEE_SCHEDULES, NUMELINK, TOP_FEES

    headers = (*exports.NUMELINK_HEADERS, *EXTRA_HEADERS)
    sample = generate_registry(size, seed=seed, duplicate_rate=DUPLICATE_RATE)
    brackets = [row[0] for row in HEADCOUNT_BRACKETS]
    bracket_weights = [row[4] for row in HEADCOUNT_BRACKETS]
    fees = {bracket: amount for group, amount in FEE_SCHEDULES[NUMELINK] for bracket in group}
    first_join = datetime.date(2005, 1, 1).toordinal()
    last_join = datetime.date(2024, 12, 31).toordinal()
    rows = []
    columns = sample.table.to_pydict()
    for offset, record in enumerate(zip(*(columns[name] for name in sample.table.column_names), strict=True)):
        r = dict(zip(sample.table.column_names, record, strict=True))
        # Seeded by the company, so its duplicate rows carry the same member and contact facts.
        rng = random.Random(f"{seed}:member:{r['entity_id']}")
        bracket = rng.choices(brackets, weights=bracket_weights)[0]
        given, surname = names.person_name(rng)
        domain = r["email"].rsplit("@", 1)[-1]
        amount = fees.get(bracket, TOP_FEES[NUMELINK])
        cells = (
            r["name"],
            r["siret"],
            r["street"],
            r["postcode"],
            r["city"],
            r["phone"],
            r["email"],
            r["website"].removeprefix("https://"),  # the CRM kept what people typed: mostly no scheme
            datetime.date.fromordinal(rng.randint(first_join, last_join)).strftime("%d/%m/%Y"),
            exports._euros_text(amount),  # the demo's own renderings of Numélink's cells
            str(headcount(rng, bracket)),
            exports._naf_without_dot(r["naf_code"]),
            f"{given} {surname.upper()}",
            names.job_title(rng),
            noise.format_phone(mobile(rng), "spaced"),
            f"{names.email_local(given, surname, rng)}@{domain}",
            rng.choices(COLLEGES, weights=(70, 12, 8, 6, 4))[0],
            rng.choices(STATUSES, weights=(80, 8, 7, 5))[0],
            ", ".join(rng.sample(SKILLS, rng.randint(1, 4))),
            rng.choice(NOTES) if rng.random() < 0.3 else "",
        )
        rows.append(ExportRow(2 + offset, str(r["entity_id"]), str(r["record_id"]), cells, ()))
    return Export(
        association=ASSOCIATION,
        file_name=path_for(size, seed).name,
        file_format="csv",
        sheet="",
        sheets=(),
        title_rows=(),
        header_line=1,
        headers=headers,
        rows=tuple(rows),
        encoding="cp1252",
        delimiter=";",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build (or find cached) the benchmark's member exports.")
    parser.add_argument("sizes", nargs="+", type=int)
    for wanted in parser.parse_args().sizes:
        print(ensure(wanted), file=sys.stderr)
