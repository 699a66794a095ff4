"""Large synthetic registries for the linkage benchmarks: one row per record, with the entity as truth.

``generate_registry(size, seed=…, duplicate_rate=0.3)`` makes ``size`` organisation records over all of
France, of which ``round(size × duplicate_rate)`` are extra records of an entity already present (the same
company entered again, by another network or another person), with the noise model of the story
(``grappe.demo.noise``) applied to all records at its rates. ``hard_cases=True`` adds, on top, what real
exports hold and our default registries do not (``grappe.demo.hard_cases``, the "real-exports" profile), and a
``country`` column; ``sample.records()`` gives the rows as dicts with the linkage engine's column names.

It must make a million records in seconds and in modest memory, so it works column-wise, in chunks: Python
lists for one chunk, converted to Arrow arrays before the next one (Arrow strings cost a fraction of Python
string objects). SIRENs come from a permutation of the 8-digit space, which makes them distinct without a set
of a million strings. Domains are built from names, which repeat, so they are kept distinct with one set of
those handed out (about 90 MiB and 2 s more at a million records): two namesakes never share a domain.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grappe.demo import hard_cases as hard
from grappe.demo import names, noise
from grappe.demo.companies import NAF_CODES, NAF_WEIGHTS, WEBMAIL_DOMAINS, mobile
from grappe.demo.hard_cases import HardCases
from grappe.demo.identifiers import luhn_key, siret
from grappe.demo.noise import NoiseRates
from grappe.demo.places import departement_regions, national_picker, picker_for, postal_city, street_address
from grappe.linkage.records import COLUMNS as LINKAGE_INPUT_COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

COLUMNS = (
    "record_id",
    "entity_id",
    "name",
    "siren",
    "siret",
    "street",
    "postcode",
    "city",
    "departement",
    "email",
    "website",
    "phone",
    "naf_code",
)
# With the real-exports profile (``hard_cases=``), the ISO 3166 alpha-2 country of each record comes last.
HARD_CASE_COLUMNS = (*COLUMNS, "country")
# The linkage engine's column names (``grappe.linkage``), in its order, then the truth: what ``records()`` gives.
LINKAGE_COLUMNS = (*(name for name in LINKAGE_INPUT_COLUMNS if name != "organisation_id"), "entity_id")
_CHUNK = 100_000
_SIREN_SPACE = 70_000_000  # heads 30000000–99999999: the range of companies registered since the 1970s
# First digit after 0 of a landline, by région: 1 Île-de-France, 2 north-west, 3 north-east, 4 south-east,
# 5 south-west; overseas numbers are written with 9 here (their real prefixes are 0262, 0590… on 10 digits).
_PHONE_ZONES = {
    "11": "1", "24": "2", "28": "2", "52": "2", "53": "2", "27": "3", "32": "3", "44": "3",
    "84": "4", "93": "4", "94": "4", "75": "5", "76": "5",
}  # fmt: skip


@dataclass(frozen=True)
class RegistrySample:
    """Records as an Arrow table (columns ``COLUMNS``; ids are integers) and how they were made.

    With the real-exports profile, ``hard_cases`` holds its rates, the table has a ``country`` column too
    (``HARD_CASE_COLUMNS``) and ``hard_case_counts`` says how many organisations or rows got each case.
    """

    table: pa.Table
    seed: int
    duplicate_rate: float
    noise: NoiseRates = field(default_factory=NoiseRates)
    hard_cases: HardCases | None = None
    hard_case_counts: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def entity_count(self) -> int:
        import pyarrow.compute as pc

        return len(pc.unique(self.table["entity_id"]))

    def column(self, name: str) -> list[Any]:
        return self.table[name].to_pylist()

    def to_pydict(self) -> dict[str, list[Any]]:
        return self.table.to_pydict()

    def records(self) -> list[dict[str, Any]]:
        """One dict per record with the linkage engine's column names (``LINKAGE_COLUMNS``), truth last.

        Cells are text as an export holds them (an empty cell is ""); ``record_id`` and ``entity_id`` are
        integers. A registry made without the hard cases is French throughout: its ``country`` is "FR".
        """
        table = self.table
        if "country" not in table.column_names:
            import pyarrow as pa

            table = table.append_column("country", pa.array(["FR"] * table.num_rows, pa.string()))
        return table.select(list(LINKAGE_COLUMNS)).to_pylist()

    def to_pandas(self) -> Any:
        """A pandas DataFrame (pandas must be installed; it is not a dependency of Grappe)."""
        return self.table.to_pandas()

    def write_parquet(self, path: Path) -> Path:
        import pyarrow.parquet as pq

        pq.write_table(self.table, path)
        return Path(path)

    def write_csv(self, path: Path) -> Path:
        import pyarrow.csv as pa_csv

        pa_csv.write_csv(self.table, path)
        return Path(path)


@dataclass(frozen=True)
class LinkageSplit:
    """A registry already in the database and a batch of incoming records to link against it."""

    registry: RegistrySample
    incoming: RegistrySample

    @property
    def incoming_with_match(self) -> int:
        """Incoming records whose entity is already in the registry (the rest are new organisations)."""
        import pyarrow.compute as pc

        known = self.registry.table["entity_id"]
        return int(
            pc.sum(pc.is_in(self.incoming.table["entity_id"], value_set=pc.unique(known))).as_py() or 0
        )


def generate_registry(
    size: int,
    *,
    seed: int,
    duplicate_rate: float = 0.3,
    noise_rates: NoiseRates | None = None,
    hard_cases: HardCases | str | bool | None = None,
) -> RegistrySample:
    """``size`` records of ``size - round(size × duplicate_rate)`` distinct organisations, shuffled.

    ``hard_cases=True`` (or ``"real-exports"``, or a ``HardCases`` of one's own rates) adds what real exports
    hold on top of the default noise (``grappe.demo.hard_cases``); without it the output is the default one,
    draw for draw.
    """
    import pyarrow as pa

    if size < 0 or not 0 <= duplicate_rate < 1:
        raise ValueError("size must be >= 0 and duplicate_rate in [0, 1)")
    rates = noise_rates or NoiseRates()
    profile = hard.profile(hard_cases)
    counts: dict[str, int] = {}
    entities = size - round(size * duplicate_rate)
    if size and not entities:
        entities = 1
    rng = random.Random(f"{seed}:registry")
    permutation = _siren_permutation(rng)
    # Every domain handed out so far, across chunks: namesakes in two chunks must not share one either.
    taken_domains: set[str] = set()
    batches = []
    done_entities = 0
    done_records = 0
    chunks = max(1, math.ceil(size / _CHUNK))
    for chunk in range(chunks):
        # Spread entities and records evenly over chunks; an entity's duplicates stay in its chunk.
        chunk_entities = entities * (chunk + 1) // chunks - done_entities
        chunk_records = size * (chunk + 1) // chunks - done_records
        columns = _chunk(
            random.Random(f"{seed}:registry:{chunk}"),
            rates,
            permutation,
            first_entity=done_entities,
            entities=chunk_entities,
            records=chunk_records,
            first_record=done_records,
            taken_domains=taken_domains,
            hard_cases=profile,
            # A generator of its own: the default draws above stay exactly as they were.
            hard_rng=random.Random(f"{seed}:registry:{chunk}:hard-cases") if profile else None,
            hard_counts=counts,
        )
        batches.append(pa.table(columns, schema=_schema(with_country=profile is not None)))
        done_entities += chunk_entities
        done_records += chunk_records
    schema = _schema(with_country=profile is not None)
    table = pa.concat_tables(batches) if batches else schema.empty_table()
    return RegistrySample(
        table=table,
        seed=seed,
        duplicate_rate=duplicate_rate,
        noise=rates,
        hard_cases=profile,
        hard_case_counts=counts,
    )


def real_exports_records(size: int, *, seed: int, duplicate_rate: float = 0.3) -> list[dict[str, Any]]:
    """A registry with the real-exports hard cases, as dicts with the linkage engine's column names."""
    return generate_registry(size, seed=seed, duplicate_rate=duplicate_rate, hard_cases=True).records()


def split_for_linkage(
    sample: RegistrySample, new_fraction: float | None = None, *, new_count: int | None = None, seed: int = 0
) -> LinkageSplit:
    """Draw ``new_count`` records (or ``new_fraction`` of them) as the incoming batch; the rest is the registry.

    Some incoming records belong to an entity that stays in the registry (they should link), the others are
    organisations the registry has never seen (they should not).
    """
    import pyarrow as pa

    total = len(sample)
    if new_count is None:
        if new_fraction is None:
            raise ValueError("give new_fraction or new_count")
        new_count = round(total * new_fraction)
    if not 0 <= new_count <= total:
        raise ValueError(f"new_count must be between 0 and {total}")
    chosen = sorted(random.Random(f"{sample.seed}:{seed}:split").sample(range(total), new_count))
    mask = [False] * total
    for index in chosen:
        mask[index] = True
    incoming = sample.table.filter(pa.array(mask))
    registry = sample.table.filter(pa.array([not flag for flag in mask]))
    return LinkageSplit(
        registry=RegistrySample(
            registry, sample.seed, sample.duplicate_rate, sample.noise, sample.hard_cases
        ),
        incoming=RegistrySample(
            incoming, sample.seed, sample.duplicate_rate, sample.noise, sample.hard_cases
        ),
    )


def _schema(*, with_country: bool = False) -> pa.Schema:
    import pyarrow as pa

    names_ = HARD_CASE_COLUMNS if with_country else COLUMNS
    return pa.schema(
        [(name, pa.int64() if name in ("record_id", "entity_id") else pa.string()) for name in names_]
    )


def _siren_permutation(rng: random.Random) -> Callable[[int], str]:
    """Entity number → distinct valid SIREN: an affine bijection of the 8-digit space, then the Luhn key."""
    while True:
        factor = rng.randrange(1_000_003, _SIREN_SPACE, 2)
        if math.gcd(factor, _SIREN_SPACE) == 1:
            break
    offset = rng.randrange(_SIREN_SPACE)

    def siren(entity: int) -> str:
        head = str(30_000_000 + (entity * factor + offset) % _SIREN_SPACE)
        return head + luhn_key(head)

    return siren


def _chunk(
    rng: random.Random,
    rates: NoiseRates,
    siren_of: Callable[[int], str],
    *,
    first_entity: int,
    entities: int,
    records: int,
    first_record: int,
    taken_domains: set[str],
    hard_cases: HardCases | None = None,
    hard_rng: random.Random | None = None,
    hard_counts: dict[str, int] | None = None,
) -> dict[str, list[Any]]:
    picker = national_picker()
    regions = departement_regions()
    naf_cumulative = _cumulative(weight for _, weight in NAF_WEIGHTS)
    bases, forms, sirens, streets, postcodes, cities, deps, emails, websites, phones, nafs = (
        [] for _ in range(11)
    )
    domains: list[str] = []  # kept for the hard cases; no draw
    for entity in range(first_entity, first_entity + entities):
        base = names.company_base_name(rng)
        form = names.legal_form(rng).short
        top_level = ".fr" if rng.random() < 0.65 else ".com"
        place = picker.pick(rng)
        domain = _own_domain(names.slug(base)[:24], top_level, place.name, taken_domains)
        postcode = rng.choice(place.postcodes)
        domains.append(domain)
        bases.append(base)
        forms.append(form)
        sirens.append(siren_of(entity))
        streets.append(street_address(rng))
        postcodes.append(postcode)
        cities.append(postal_city(place.name))
        deps.append(place.departement)
        emails.append(_email(rng, domain))
        websites.append(("https://www." + domain) if rng.random() < 0.8 else "")
        phones.append(_phone(rng, regions.get(place.departement, "")))
        nafs.append(rng.choices(NAF_CODES, cum_weights=naf_cumulative)[0])
    sirets = [siret(number, 1) for number in sirens]
    # Each extra record repeats an entity of this chunk; some entities get several.
    owners = list(range(entities)) + [rng.randrange(entities) for _ in range(records - entities)]
    rng.shuffle(owners)
    columns: dict[str, list[Any]] = {
        "record_id": list(range(first_record, first_record + records)),
        "entity_id": [first_entity + owner for owner in owners],
        "name": [f"{bases[owner]} {forms[owner]}" for owner in owners],
        "siren": [sirens[owner] for owner in owners],
        "siret": [sirets[owner] for owner in owners],
        "street": [streets[owner] for owner in owners],
        "postcode": [postcodes[owner] for owner in owners],
        "city": [cities[owner] for owner in owners],
        "departement": [deps[owner] for owner in owners],
        "email": [emails[owner] for owner in owners],
        "website": [websites[owner] for owner in owners],
        "phone": [phones[owner] for owner in owners],
        "naf_code": [nafs[owner] for owner in owners],
    }
    _apply_noise(rng, rates, columns, [bases[owner] for owner in owners], [forms[owner] for owner in owners])
    if hard_cases is not None and hard_rng is not None:
        clean = hard.Owners(bases, forms, domains, cities, phones)
        chunk_counts = hard.apply(hard_rng, hard_cases, columns, owners, clean, taken_domains)
        if hard_counts is not None:
            for kind, count in chunk_counts.items():
                hard_counts[kind] = hard_counts.get(kind, 0) + count
    return columns


def _apply_noise(
    rng: random.Random, rates: NoiseRates, columns: dict[str, list[Any]], bases: list[str], forms: list[str]
) -> None:
    """The story's noise model, kind by kind, on whole columns (order matters: a move changes the SIRET)."""
    chosen = noise.assign_indices(rates, len(bases), rng)
    names_, sirens, sirets = columns["name"], columns["siren"], columns["siret"]
    for index in chosen["old_address"]:
        place = picker_for((columns["departement"][index],)).pick(rng)
        columns["street"][index] = street_address(rng)
        columns["postcode"][index] = rng.choice(place.postcodes)
        columns["city"][index] = postal_city(place.name)
        sirets[index] = siret(sirens[index], 2)  # the site it left: same SIREN, another establishment number
    for index in chosen["siret_missing"]:
        sirens[index] = sirets[index] = ""
    for index in chosen["siret_bad_checksum"]:
        sirets[index] = noise.bad_checksum(sirets[index], rng)
        sirens[index] = sirets[index][:9]
    for index in chosen["siret_spreadsheet"]:
        sirets[index] = noise.spreadsheet_scientific(sirets[index])
        sirens[index] = ""
    for index in chosen["siret_spaced"]:
        sirets[index] = noise.spaced_identifier(sirets[index])
    for index in chosen["name_variant"]:
        names_[index] = noise.name_variant(bases[index], forms[index], rng)
    for index in chosen["name_typo"]:
        names_[index] = noise.typo(names_[index], rng)
    emails = columns["email"]
    for index in chosen["other_email"]:
        given, surname = names.person_name(rng)
        emails[index] = f"{names.email_local(given, surname, rng)}@{rng.choice(WEBMAIL_DOMAINS)}"
    phones = columns["phone"]
    for index in chosen["phone_format"]:
        if phones[index]:
            digits = phones[index].replace(" ", "")
            phones[index] = noise.format_phone(digits, noise.other_phone_style("spaced", rng))
    websites = columns["website"]
    for index in chosen["website_variant"]:
        if websites[index]:
            websites[index] = noise.website_variant(websites[index], rng)
    for index in chosen["city_abbreviation"]:
        columns["city"][index] = noise.city_variant(columns["city"][index], columns["postcode"][index], rng)
    for index in chosen["postcode_missing"]:
        columns["postcode"][index] = ""


def _own_domain(name_slug: str, top_level: str, city: str, taken: set[str]) -> str:
    """A web and mail domain no other organisation of the registry holds.

    Names are drawn at random, so a large registry has namesakes, as real ones do ("Aris" in Lyon and in
    Brest). A domain is registered once: the first company takes aris.fr, a namesake the other extension,
    then the name with its town (aris-brest.fr), then a number. No random draw is spent here, so the rest of
    a seeded registry does not move with the domains. (A group whose subsidiaries share one domain is
    another matter: each record of the generator is its own organisation.)
    """
    other = ".com" if top_level == ".fr" else ".fr"
    town = names.slug(city)[:20]
    candidates = [f"{name_slug}{top_level}", f"{name_slug}{other}", f"{name_slug}-{town}.fr"]
    for candidate in candidates:
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    number = 2
    while f"{name_slug}{number}.fr" in taken:
        number += 1
    taken.add(f"{name_slug}{number}.fr")
    return f"{name_slug}{number}.fr"


def _email(rng: random.Random, domain: str) -> str:
    draw = rng.random()
    if draw < 0.6:
        return f"contact@{domain}"
    given, surname = names.person_name(rng)
    if draw < 0.85:
        return f"{names.email_local(given, surname, rng)}@{domain}"
    return f"{names.email_local(given, surname, rng)}@{rng.choice(WEBMAIL_DOMAINS)}"


def _phone(rng: random.Random, region: str) -> str:
    if rng.random() < 0.08:
        return ""
    digits = (
        mobile(rng) if rng.random() < 0.2 else f"0{_PHONE_ZONES.get(region, '9')}{rng.randrange(10**8):08d}"
    )
    return noise.format_phone(digits, "spaced")


def _cumulative(weights: Any) -> list[float]:
    total = 0.0
    result = []
    for weight in weights:
        total += weight
        result.append(total)
    return result
