"""The story of the two articles, as data: four networks, three mergers, 608 member companies.

Numélink (Saint-Étienne) absorbs RhoneAlley (Drôme-Ardèche) in June 2015 and reaches 220 members, absorbs
Auvergne TIC at the AGE of 31 March 2016 and reaches 300 members in seven départements, then merges with
Clust'R Numérique (Lyon, Grenoble, Haute-Savoie) into a cluster of more than 600 members.

All the figures live in ``NUMBERS``; the membership plan below reaches them exactly (it checks itself), with
companies members of two networks and a few groups members through several establishments, which is what
makes a merger's count differ from the sum of its parts. People and companies are made up (see names.py);
the places, dates and counts are those of the articles.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from grappe.demo import names
from grappe.demo.companies import Company, CompanyFactory
from grappe.demo.identifiers import SirenAllocator
from grappe.demo.model import Association, Membership, Merger, Office, StaffMember, StoryNumbers
from grappe.demo.places import picker_for

NUMBERS = StoryNumbers(
    numelink_members=160,
    rhonealley_members=66,
    numelink_rhonealley_shared=6,
    after_rhonealley=220,
    auvergne_tic_members=84,
    auvergne_tic_shared=4,
    after_auvergne_tic=300,
    clustr_members=320,
    clustr_shared=12,
    after_clustr=608,
)
assert NUMBERS.after_rhonealley == (
    NUMBERS.numelink_members + NUMBERS.rhonealley_members - NUMBERS.numelink_rhonealley_shared
)
assert NUMBERS.after_auvergne_tic == (
    NUMBERS.after_rhonealley + NUMBERS.auvergne_tic_members - NUMBERS.auvergne_tic_shared
)
assert NUMBERS.after_clustr == NUMBERS.after_auvergne_tic + NUMBERS.clustr_members - NUMBERS.clustr_shared

NUMELINK, RHONEALLEY, AUVERGNE_TIC, CLUSTR = "numelink", "rhonealley", "auvergne_tic", "clustr"
ASSOCIATION_KEYS = (NUMELINK, RHONEALLEY, AUVERGNE_TIC, CLUSTR)
SEVEN_DEPARTEMENTS = ("07", "26", "38", "42", "43", "63", "69")
FUSION_NAME = "Numélink Clust'R"  # the name the 2017 fusion gives the new cluster in this story

# Where each network's members are, département first (a Saint-Étienne cluster is mostly Loire even though
# the Rhône has more inhabitants), then commune by population within the département.
TERRITORIES: dict[str, tuple[tuple[str, float], ...]] = {
    NUMELINK: (("42", 0.62), ("69", 0.23), ("38", 0.15)),
    RHONEALLEY: (("26", 0.65), ("07", 0.35)),
    AUVERGNE_TIC: (("63", 0.8), ("43", 0.2)),
    CLUSTR: (("69", 0.55), ("38", 0.3), ("74", 0.15)),
}
MEMBER_COUNTS = {
    NUMELINK: NUMBERS.numelink_members,
    RHONEALLEY: NUMBERS.rhonealley_members,
    AUVERGNE_TIC: NUMBERS.auvergne_tic_members,
    CLUSTR: NUMBERS.clustr_members,
}
EXPORT_DATES = {
    NUMELINK: datetime.date(2015, 6, 1),
    RHONEALLEY: datetime.date(2015, 6, 1),
    AUVERGNE_TIC: datetime.date(2016, 3, 1),
    CLUSTR: datetime.date(2017, 3, 1),
}
# Earliest membership date of each network's export (when its current member list was started).
FIRST_MEMBERSHIPS = {
    NUMELINK: datetime.date(2009, 1, 15),
    RHONEALLEY: datetime.date(2011, 3, 1),
    AUVERGNE_TIC: datetime.date(2008, 2, 1),
    CLUSTR: datetime.date(2010, 9, 1),
}
# Yearly fee by INSEE headcount bracket, one schedule per network; start-ups pay the first amount.
FEE_SCHEDULES: dict[str, tuple[tuple[tuple[str, ...], int], ...]] = {
    NUMELINK: ((("00", "01"), 150), (("02", "03"), 300), (("11", "12"), 600), (("21", "22", "31"), 1200)),
    RHONEALLEY: ((("00", "01", "02", "03"), 200), (("11", "12"), 450), (("21", "22", "31"), 900)),
    AUVERGNE_TIC: ((("00", "01"), 120), (("02", "03"), 250), (("11", "12"), 500), (("21", "22", "31"), 1000)),
    CLUSTR: ((("00", "01", "02", "03"), 250), (("11", "12"), 750), (("21", "22", "31"), 1500)),
}
TOP_FEES = {NUMELINK: 2500, RHONEALLEY: 1800, AUVERGNE_TIC: 2000, CLUSTR: 3000}
STARTUP_FEES = {NUMELINK: 100, RHONEALLEY: 100, AUVERGNE_TIC: 80, CLUSTR: 150}
STARTUP_RATE = 0.05


def fee(association: str, company: Company) -> int:
    if company.is_startup:
        return STARTUP_FEES[association]
    for brackets, amount in FEE_SCHEDULES[association]:
        if company.headcount_bracket in brackets:
            return amount
    return TOP_FEES[association]


# --- networks ----------------------------------------------------------------------------------------------

_OFFICES = {
    NUMELINK: (
        Office(
            "numelink-saint-etienne", "Siège de Saint-Étienne", "head_office", "Saint-Étienne", "42218", "42"
        ),
        Office("numelink-roanne", "Antenne de Roanne", "antenna", "Roanne", "42187", "42"),
        # Taken over from RhoneAlley, then opened for the Auvergne members after the March 2016 AGE.
        Office(
            "numelink-valence",
            "Antenne de Valence",
            "antenna",
            "Valence",
            "26362",
            "26",
            datetime.date(2015, 7, 1),
        ),
        Office(
            "numelink-clermont-ferrand",
            "Bureau de Clermont-Ferrand",
            "bureau",
            "Clermont-Ferrand",
            "63113",
            "63",
            datetime.date(2016, 4, 1),
        ),
    ),
    RHONEALLEY: (Office("rhonealley-valence", "Siège de Valence", "head_office", "Valence", "26362", "26"),),
    AUVERGNE_TIC: (
        Office(
            "auvergne-tic-clermont-ferrand",
            "Siège de Clermont-Ferrand",
            "head_office",
            "Clermont-Ferrand",
            "63113",
            "63",
        ),
    ),
    CLUSTR: (
        Office("clustr-lyon", "Siège de Lyon", "head_office", "Lyon", "69123", "69"),
        Office("clustr-grenoble", "Antenne de Grenoble", "antenna", "Grenoble", "38185", "38"),
        Office("clustr-annecy", "Antenne d'Annecy", "antenna", "Annecy", "74010", "74"),
    ),
}
# (office, job title, hired on). Numélink's seven include the person who ran RhoneAlley's Valence office
# (same person, listed in both) and the one newly hired in Clermont-Ferrand after the AGE of 31 March 2016.
_STAFF_POSTS = {
    NUMELINK: (
        ("numelink-saint-etienne", "Directeur", datetime.date(2010, 3, 1)),
        ("numelink-saint-etienne", "Directeur adjoint", datetime.date(2012, 9, 3)),
        ("numelink-saint-etienne", "Chargée de mission start-up et French Tech", datetime.date(2014, 1, 6)),
        ("numelink-saint-etienne", "Assistante administrative et comptable", datetime.date(2011, 5, 2)),
        ("numelink-roanne", "Chargé de mission territorial", datetime.date(2013, 10, 1)),
        ("numelink-valence", "Chargée de mission Drôme-Ardèche", datetime.date(2015, 7, 1)),
        ("numelink-clermont-ferrand", "Chargé de mission Auvergne", datetime.date(2016, 4, 4)),
    ),
    RHONEALLEY: (("rhonealley-valence", "Chargée de mission Drôme-Ardèche", datetime.date(2012, 2, 1)),),
    AUVERGNE_TIC: (
        ("auvergne-tic-clermont-ferrand", "Déléguée générale", datetime.date(2009, 6, 1)),
        ("auvergne-tic-clermont-ferrand", "Chargé de communication", datetime.date(2013, 4, 15)),
    ),
    CLUSTR: (
        ("clustr-lyon", "Directeur", datetime.date(2011, 1, 10)),
        ("clustr-lyon", "Responsable des programmes", datetime.date(2012, 5, 2)),
        ("clustr-lyon", "Chargée des adhésions", datetime.date(2014, 9, 1)),
        ("clustr-lyon", "Responsable administrative et financière", datetime.date(2011, 6, 1)),
        ("clustr-grenoble", "Chargé de mission Isère", datetime.date(2013, 3, 4)),
        ("clustr-annecy", "Chargée de mission Haute-Savoie", datetime.date(2015, 1, 5)),
    ),
}
_NAMES = {
    NUMELINK: ("Numélink", "numelink.fr", 40),
    RHONEALLEY: ("RhoneAlley", "rhonealley.fr", 12),
    AUVERGNE_TIC: ("Auvergne TIC", "auvergnetic.fr", 15),
    CLUSTR: ("Clust'R Numérique", "clustr-numerique.fr", 24),
}


def associations(rng: random.Random, sirens: SirenAllocator) -> tuple[Association, ...]:
    """The four networks with made-up staff. Numélink's offices and staff are those after March 2016."""
    staff_names: dict[tuple[str, str], tuple[str, str]] = {}
    result = []
    for key in ASSOCIATION_KEYS:
        name, domain, board_size = _NAMES[key]
        staff = []
        for office, title, hired_on in _STAFF_POSTS[key]:
            # The Valence post is one person, first at RhoneAlley then at Numélink.
            person_key = (title, "valence") if "Drôme" in title else (key, title)
            given, surname = staff_names.setdefault(person_key, names.person_name(rng))
            local = names.email_local(given, surname, rng)
            staff.append(StaffMember(given, surname, title, office, hired_on, f"{local}@{domain}"))
        result.append(
            Association(
                key=key,
                name=name,
                siren=sirens.new(),
                departements=tuple(dep for dep, _ in TERRITORIES[key]),
                offices=_OFFICES[key],
                staff=tuple(staff),
                board_size=board_size,
                member_count=MEMBER_COUNTS[key],
                export_date=EXPORT_DATES[key],
                website=f"https://www.{domain}",
            )
        )
    return tuple(result)


def mergers() -> tuple[Merger, ...]:
    n = NUMBERS
    return (
        Merger(
            key="numelink-rhonealley-2015",
            kind="absorption",
            absorbing=NUMELINK,
            absorbed=RHONEALLEY,
            vote_date=datetime.date(2015, 6, 25),
            effective_date=datetime.date(2015, 6, 30),
            members_before=(n.numelink_members, n.rhonealley_members),
            shared_members=n.numelink_rhonealley_shared,
            members_after=n.after_rhonealley,
            departements_after=("07", "26", "38", "42", "69"),
            brand_kept=True,
        ),
        Merger(
            key="numelink-auvergne-tic-2016",
            kind="absorption",
            absorbing=NUMELINK,
            absorbed=AUVERGNE_TIC,
            vote_date=datetime.date(2016, 3, 31),
            effective_date=datetime.date(2016, 3, 31),
            members_before=(n.after_rhonealley, n.auvergne_tic_members),
            shared_members=n.auvergne_tic_shared,
            members_after=n.after_auvergne_tic,
            departements_after=SEVEN_DEPARTEMENTS,
            brand_kept=False,  # undecided in the article; the story lets the name go
            board_size_after=50,
        ),
        Merger(
            key="numelink-clustr-2017",
            kind="fusion",
            absorbing=NUMELINK,
            absorbed=CLUSTR,
            vote_date=datetime.date(2017, 6, 29),
            effective_date=datetime.date(2017, 7, 1),
            members_before=(n.after_auvergne_tic, n.clustr_members),
            shared_members=n.clustr_shared,
            members_after=n.after_clustr,
            departements_after=(*SEVEN_DEPARTEMENTS, "74"),
            brand_kept=True,
            resulting_name=FUSION_NAME,
        ),
    )


# --- who is a member of what -------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One future company: its member sites as (association, département), and whether it is a big group."""

    sites: list[tuple[tuple[str, ...], str]]  # (associations the site is a member of, département)
    large: bool = False
    startup: bool = False
    networks: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.networks = {association for members, _ in self.sites for association in members}


def membership_plan(rng: random.Random) -> list[_Plan]:
    """Plans whose unions give exactly ``NUMBERS``; checked before returning."""
    plans = [
        # Groups members through several establishments, in several territories (one SIREN each).
        _Plan(
            [((NUMELINK,), "42"), ((NUMELINK,), "69"), ((AUVERGNE_TIC,), "63"), ((CLUSTR,), "69")], large=True
        ),
        _Plan([((NUMELINK,), "38"), ((RHONEALLEY,), "26")]),
        _Plan([((AUVERGNE_TIC,), "63"), ((CLUSTR,), "74")]),
        _Plan([((NUMELINK,), "69"), ((CLUSTR,), "38"), ((CLUSTR,), "74")], large=True),
        _Plan([((RHONEALLEY,), "26"), ((RHONEALLEY,), "07")]),
    ]
    # Single-site companies members of two networks at once (the same establishment in two exports).
    shared = (
        ((NUMELINK, RHONEALLEY), ("42", "26", "07"), 5),
        # Sited in the first network's territory, so that each merger's départements are exactly the union
        # of the two territories (the articles' "seven départements").
        ((NUMELINK, AUVERGNE_TIC), ("42",), 2),
        ((RHONEALLEY, AUVERGNE_TIC), ("07",), 1),
        ((NUMELINK, CLUSTR), ("69", "38"), 7),
        ((RHONEALLEY, CLUSTR), ("26",), 1),
        ((AUVERGNE_TIC, CLUSTR), ("63",), 1),
    )
    for networks, departements, count in shared:
        plans += [_Plan([(networks, rng.choice(departements))]) for _ in range(count)]
    for key in ASSOCIATION_KEYS:
        missing = MEMBER_COUNTS[key] - sum(key in plan.networks for plan in plans)
        deps, weights = zip(*TERRITORIES[key], strict=True)
        plans += [_Plan([((key,), rng.choices(deps, weights=weights)[0])]) for _ in range(missing)]
    singles = [plan for plan in plans if len(plan.sites) == 1]
    for plan in rng.sample(singles, round(STARTUP_RATE * len(plans))):
        plan.startup = True
    rng.shuffle(plans)  # so that entity ids say nothing of a company's role in the story
    _check_plan(plans)
    return plans


def _check_plan(plans: list[_Plan]) -> None:
    def union(*keys: str) -> int:
        return sum(bool(plan.networks & set(keys)) for plan in plans)

    n = NUMBERS
    expected = {
        (NUMELINK,): n.numelink_members,
        (RHONEALLEY,): n.rhonealley_members,
        (AUVERGNE_TIC,): n.auvergne_tic_members,
        (CLUSTR,): n.clustr_members,
        (NUMELINK, RHONEALLEY): n.after_rhonealley,
        (NUMELINK, RHONEALLEY, AUVERGNE_TIC): n.after_auvergne_tic,
        ASSOCIATION_KEYS: n.after_clustr,
    }
    for keys, count in expected.items():
        if union(*keys) != count:
            raise AssertionError(f"membership plan gives {union(*keys)} members for {keys}, not {count}")


def companies_and_memberships(
    rng: random.Random, factory: CompanyFactory
) -> tuple[tuple[Company, ...], tuple[Membership, ...]]:
    companies = []
    memberships = []
    for plan in membership_plan(rng):
        reference = min(EXPORT_DATES[key] for key in plan.networks)
        pickers = [picker_for((departement,)) for _, departement in plan.sites]
        company = factory.new_company(
            pickers, reference_date=reference, startup=plan.startup, large=plan.large
        )
        companies.append(company)
        for (networks, _), establishment in zip(plan.sites, company.establishments, strict=True):
            for association in networks:
                memberships.append(_membership(rng, association, company, establishment.establishment_id))
    return tuple(companies), tuple(memberships)


def _membership(rng: random.Random, association: str, company: Company, establishment_id: str) -> Membership:
    first = max(FIRST_MEMBERSHIPS[association], company.created_on + datetime.timedelta(days=30))
    last = EXPORT_DATES[association] - datetime.timedelta(days=7)
    joined_on = first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))
    return Membership(
        association=association,
        entity_id=company.entity_id,
        establishment_id=establishment_id,
        joined_on=joined_on,
        annual_fee=fee(association, company),
        contact=rng.choice(company.contacts),
    )
