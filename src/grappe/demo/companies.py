"""Made-up member companies of a digital cluster: legal unit, establishments, contacts.

The mix follows what French digital clusters report: mostly very small and small firms (INSEE headcount
brackets 00 to 12), a tail of SMEs, one or two large groups; software publishing, IT services, web and data
activities, with some electronics, telecoms, consulting, advertising, design, engineering and training.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass

from grappe.demo import identifiers, names
from grappe.demo.places import Place, PlacePicker, postal_city, street_address

# NAF rev. 2 codes of the digital sector and its neighbours, weighted as a cluster's membership looks.
NAF_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("62.01Z", 28), ("62.02A", 14), ("62.02B", 3), ("62.03Z", 3), ("62.09Z", 8), ("58.21Z", 2),
    ("58.29A", 2), ("58.29B", 3), ("58.29C", 6), ("63.11Z", 5), ("63.12Z", 4), ("26.11Z", 1),
    ("26.12Z", 1), ("26.20Z", 1), ("26.30Z", 1), ("26.51B", 1), ("61.10Z", 1), ("61.20Z", 1),
    ("61.90Z", 1), ("70.22Z", 7), ("73.11Z", 5), ("74.10Z", 3), ("71.12B", 4), ("85.59A", 3),
    ("72.19Z", 2), ("59.11B", 1),
)  # fmt: skip
NAF_CODES = tuple(code for code, _ in NAF_WEIGHTS)
_NAF_CUMULATIVE = tuple(itertools.accumulate(weight for _, weight in NAF_WEIGHTS))

# INSEE headcount brackets (tranche d'effectif salarié): code, low, high, label, weight among members.
HEADCOUNT_BRACKETS: tuple[tuple[str, int, int, str, float], ...] = (
    ("00", 0, 0, "0 salarié", 14),
    ("01", 1, 2, "1 ou 2 salariés", 21),
    ("02", 3, 5, "3 à 5 salariés", 18),
    ("03", 6, 9, "6 à 9 salariés", 14),
    ("11", 10, 19, "10 à 19 salariés", 13),
    ("12", 20, 49, "20 à 49 salariés", 11),
    ("21", 50, 99, "50 à 99 salariés", 4),
    ("22", 100, 199, "100 à 199 salariés", 2),
    ("31", 200, 249, "200 à 249 salariés", 1),
    ("32", 250, 499, "250 à 499 salariés", 1),
    ("41", 500, 999, "500 à 999 salariés", 0.5),
    ("42", 1000, 1999, "1 000 à 1 999 salariés", 0.5),
    ("51", 2000, 4999, "2 000 à 4 999 salariés", 0),
    ("52", 5000, 9999, "5 000 à 9 999 salariés", 0),
)
BRACKET_BY_CODE = {row[0]: row for row in HEADCOUNT_BRACKETS}
_BRACKET_CODES = tuple(row[0] for row in HEADCOUNT_BRACKETS)
_BRACKET_WEIGHTS = tuple(row[4] for row in HEADCOUNT_BRACKETS)

# The first digits after "04" of landlines, by département: what makes a number look local.
LANDLINE_PREFIXES = {
    "42": ("77",),
    "69": ("72", "78", "37"),
    "38": ("76", "38"),
    "26": ("75",),
    "07": ("75",),
    "63": ("73",),
    "43": ("71",),
    "74": ("50",),
}
WEBMAIL_DOMAINS = ("gmail.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "outlook.fr")
_TOP_LEVEL_DOMAINS = ((".fr", 60), (".com", 28), (".io", 5), (".eu", 4), (".net", 3))


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    commune_code: str
    departement: str


@dataclass(frozen=True)
class Contact:
    given_name: str
    surname: str
    job_title: str
    email: str
    phone: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.surname}"


@dataclass(frozen=True)
class Establishment:
    """A site of a company. ``former_*`` is where it was before it moved (another commune, an older SIRET)."""

    establishment_id: str
    siret: str
    address: Address
    phone: str
    is_head_office: bool
    former_siret: str | None = None
    former_address: Address | None = None


@dataclass(frozen=True)
class Company:
    """A legal unit (one SIREN): one entity of the ground truth, whatever its number of member sites."""

    entity_id: str
    siren: str
    name: str  # the denomination without its legal form
    legal_form: str  # short form as written after names: SAS, SARL…
    legal_form_code: str  # INSEE code of the legal form
    naf_code: str
    headcount_bracket: str
    headcount: int
    created_on: datetime.date
    website: str
    domain: str
    email: str
    is_startup: bool
    establishments: tuple[Establishment, ...]
    contacts: tuple[Contact, ...]

    @property
    def full_name(self) -> str:
        return f"{self.name} {self.legal_form}"

    def establishment(self, establishment_id: str) -> Establishment:
        for establishment in self.establishments:
            if establishment.establishment_id == establishment_id:
                return establishment
        raise KeyError(establishment_id)


def naf_code(rng: random.Random) -> str:
    return rng.choices(NAF_CODES, cum_weights=_NAF_CUMULATIVE)[0]


def headcount(rng: random.Random, bracket: str) -> int:
    _, low, high, _, _ = BRACKET_BY_CODE[bracket]
    # Within a bracket small numbers are more frequent: take the smaller of two draws.
    return min(rng.randint(low, high), rng.randint(low, high))


def landline(rng: random.Random, departement: str) -> str:
    """Ten digits, national format without spaces: the canonical form the noise layer then reformats."""
    prefix = rng.choice(LANDLINE_PREFIXES.get(departement, ("7" + str(rng.randint(0, 9)),)))
    return f"04{prefix}{rng.randrange(0, 1_000_000):06d}"


def mobile(rng: random.Random) -> str:
    """A number in the allocated mobile ranges (06 00–06 38, 06 40–06 89, 07 30–07 99): a made-up number
    outside them would be refused at import like a typo, which the noise model adds on purpose elsewhere.
    One draw either way, so the rest of a seeded story does not move."""
    prefix, number = rng.choice("667"), rng.randrange(0, 100_000_000)
    if prefix == "6":
        number %= 89_000_000  # 06 00 … 06 88
        if number >= 39_000_000:  # 06 39 is not a metropolitan mobile range: 06 40 … 06 89
            number += 1_000_000
    else:
        number = 30_000_000 + number % 70_000_000  # 07 30 … 07 99
    return f"0{prefix}{number:08d}"


def address_at(rng: random.Random, place: Place) -> Address:
    city = postal_city(place.name)
    return Address(street_address(rng), rng.choice(place.postcodes), city, place.code, place.departement)


class CompanyFactory:
    """Makes companies with distinct SIRENs, names and web domains, one story (or sample) at a time."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sirens = identifiers.SirenAllocator(rng)
        self._names: set[str] = set()
        self._domains: set[str] = set()
        self._count = 0

    def new_company(
        self,
        pickers: list[PlacePicker],
        *,
        reference_date: datetime.date,
        startup: bool = False,
        large: bool = False,
        move_rate: float = 0.08,
    ) -> Company:
        """A company with one establishment per picker (its first one the head office).

        ``move_rate`` is the share of establishments that moved commune since they joined a network: their
        former address and SIRET are kept so an old export can show them.
        """
        rng = self.rng
        self._count += 1
        entity_id = f"ORG{self._count:05d}"
        form = names.legal_form(rng, large=large)
        name = self._unique_name()
        domain = self._unique_domain(name)
        siren = self.sirens.new()
        bracket = self._bracket(startup=startup, large=large, sites=len(pickers))
        created_on = self._creation_date(reference_date, startup=startup, large=large)
        establishments = tuple(
            self._establishment(entity_id, siren, index, picker, move_rate)
            for index, picker in enumerate(pickers, start=1)
        )
        contacts = tuple(self._contact(domain) for _ in range(rng.choice((1, 2, 2, 3))))
        return Company(
            entity_id=entity_id,
            siren=siren,
            name=name,
            legal_form=form.short,
            legal_form_code=form.code,
            naf_code=naf_code(rng),
            headcount_bracket=bracket,
            headcount=headcount(rng, bracket),
            created_on=created_on,
            website=f"https://www.{domain}" if rng.random() < 0.85 else f"https://{domain}",
            domain=domain,
            email=f"{rng.choice(('contact', 'contact', 'info', 'bonjour', 'hello'))}@{domain}",
            is_startup=startup,
            establishments=establishments,
            contacts=contacts,
        )

    def _unique_name(self) -> str:
        while True:
            name = names.company_base_name(self.rng)
            key = names.slug(name)
            if key not in self._names:
                self._names.add(key)
                return name

    def _unique_domain(self, name: str) -> str:
        tlds, weights = zip(*_TOP_LEVEL_DOMAINS, strict=True)
        base = names.slug(name)[:24] or "entreprise"
        candidate = base + self.rng.choices(tlds, weights=weights)[0]
        suffix = 1
        while candidate in self._domains:
            suffix += 1
            candidate = f"{base}{suffix}.fr"
        self._domains.add(candidate)
        return candidate

    def _bracket(self, *, startup: bool, large: bool, sites: int) -> str:
        if large:
            return self.rng.choice(("51", "52"))
        if startup:
            return self.rng.choice(("00", "01", "01", "02", "03"))
        if sites > 1:
            return self.rng.choice(("21", "22", "32", "41"))
        return self.rng.choices(_BRACKET_CODES, weights=_BRACKET_WEIGHTS)[0]

    def _creation_date(self, reference: datetime.date, *, startup: bool, large: bool) -> datetime.date:
        if startup:
            days_before = self.rng.randint(60, 2 * 365)
        elif large:
            days_before = self.rng.randint(25 * 365, 60 * 365)
        else:
            days_before = self.rng.randint(3 * 365, 30 * 365)
        return reference - datetime.timedelta(days=days_before)

    def _establishment(
        self, entity_id: str, siren: str, index: int, picker: PlacePicker, move_rate: float
    ) -> Establishment:
        rng = self.rng
        place = picker.pick(rng)
        address = address_at(rng, place)
        phone = landline(rng, place.departement)
        establishment_id = f"{entity_id}-{index}"
        # Establishment numbers leave gaps for sites closed long ago; a moved site got a new, higher one.
        number = index * 3 - 2 + rng.choice((0, 0, 0, 1))
        if rng.random() < move_rate:
            former = address_at(rng, picker.pick_other(rng, place))
            return Establishment(
                establishment_id,
                identifiers.siret(siren, number + 1),
                address,
                phone,
                index == 1,
                former_siret=identifiers.siret(siren, number),
                former_address=former,
            )
        return Establishment(establishment_id, identifiers.siret(siren, number), address, phone, index == 1)

    def _contact(self, domain: str) -> Contact:
        rng = self.rng
        given, surname = names.person_name(rng)
        return Contact(
            given_name=given,
            surname=surname,
            job_title=names.job_title(rng),
            email=f"{names.email_local(given, surname, rng)}@{domain}",
            phone=mobile(rng),
        )
