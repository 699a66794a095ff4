"""The governance of the demo story, as the articles tell it (``/work/shared/seeds``).

Numélink's statutes before and after each merger: a board of 24 to 36 seats until the absorption of RhoneAlley
(AGE of 25 June 2015), 40 seats afterwards, then the merger contract with Auvergne TIC (AGE of 31 March 2016,
held with the AGO) enlarging it to about fifty for one year, ten seats reserved to Auvergne TIC's administrators;
a year later the federal statutes (AGE of 31 March 2017): territorial committees, one president, territorial
vice-presidents, the board's thirty territorial seats shared out between the territories; then the statutes of
Numélink Clust'R, adopted for the fusion with the Clust'R Numérique. And the legal procedure of each of the three
mergers, linked to the registry merger the story applied.

Runs after the mergers, on the registry they left, the way a staff member records the minutes afterwards: every
mandate goes through ``governance.services.start_mandate`` (and ``end_mandate``), whose checks read each
organisation's membership of Numélink as it stood on the day (``governance.selectors.in_good_standing`` follows
the memberships back through the mergers that moved them). Each administrator is the designated representative
of their organisation (what the statutes of 2016 and 2017 require) from the day they are first seated. RhoneAlley's
members join Numélink on the merger's effective date (30 June 2015): its six administrators take their seats that
day, the AGE of 25 June having elected them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from grappe.demo import model as story_model
from grappe.demo import story as plot
from grappe.governance import apportionment, procedure, selectors, services
from grappe.governance.models import Body, Mandate, MergerProcedure, ProcedureStep, Statutes
from grappe.mergers.models import Merger
from grappe.registry.models import Association, Membership, Organisation, Person, Role, Territory

STATUTES = Path(__file__).parent / "data" / "statuts"
NUMELINK_VERSIONS = ("numelink_2012", "numelink_2015", "numelink_2016", "numelink_2017")
CLUSTR_VERSION = "numelink_clustr_2017"

FIRST_BOARD_ON = datetime.date(2012, 6, 21)
RHONEALLEY_AGE = datetime.date(2015, 6, 25)
RHONEALLEY_EFFECTIVE = datetime.date(2015, 6, 30)
PARTNERSHIP_ON = datetime.date(2015, 6, 1)
AUVERGNE_TIC_AGE = datetime.date(2016, 3, 31)
FEDERAL_AGE = datetime.date(2017, 3, 31)

FIRST_BOARD = 34
# June 2015: Numélink's administrators but one stay, six come from RhoneAlley's Drôme-Ardèche, and one Auvergne TIC
# administrator joins under the partnership signed that month (« un membre de l'association clermontoise avait
# intégré le conseil d'administration de Numélink »): forty seats.
BOARD_2015 = {"numelink": FIRST_BOARD - 1, "rhonealley": 6, "auvergne_tic": 1}
RESERVED_CLAUSE = "conseil_elargi_auvergne_tic"
RESERVED_SEATS = 10
COMMITTEE_SIZE = 5
# Where each network's administrators come from.
DEPARTEMENTS = {
    "numelink": ("42", "69", "38"),
    "rhonealley": ("26", "07"),
    "auvergne_tic": ("63", "43"),
}
# The territories Numélink's federal statutes gave a committee (Haute-Savoie came with the Clust'R in 2017).
FEDERAL_TERRITORIES = ("Auvergne", "Drôme-Ardèche", "Isère", "Loire", "Rhône")
ELECTED_BY = {
    FIRST_BOARD_ON: "AGE du 21 juin 2012",
    RHONEALLEY_AGE: "AGE du 25 juin 2015",
    RHONEALLEY_EFFECTIVE: "AGE du 25 juin 2015",
    AUVERGNE_TIC_AGE: "AGE du 31 mars 2016",
    FEDERAL_AGE: "AGE du 31 mars 2017",
}


@dataclass(frozen=True)
class ProcedureStory:
    """One merger's legal procedure as the story dates it (association keys of ``grappe.demo.story``)."""

    absorbed: str
    contributions_euros: Decimal
    notice_journal: str
    boards: dict[str, datetime.date]
    notice: datetime.date
    documents: datetime.date
    assemblies: dict[str, datetime.date]
    prefecture: datetime.date
    register: datetime.date
    sirene: datetime.date
    auditor: datetime.date | None = None
    treaty_effective_on: datetime.date | None = None
    assembly_notes: dict[str, str] = field(default_factory=dict)


PROCEDURES = (
    ProcedureStory(
        absorbed=plot.RHONEALLEY,
        contributions_euros=Decimal("185000"),
        notice_journal="Le Progrès, édition de la Loire",
        boards={plot.RHONEALLEY: datetime.date(2015, 4, 16), plot.NUMELINK: datetime.date(2015, 4, 14)},
        notice=datetime.date(2015, 5, 20),
        documents=datetime.date(2015, 5, 22),
        assemblies={plot.RHONEALLEY: datetime.date(2015, 6, 23), plot.NUMELINK: RHONEALLEY_AGE},
        prefecture=datetime.date(2015, 7, 21),
        register=datetime.date(2015, 7, 21),
        sirene=datetime.date(2015, 8, 4),
        treaty_effective_on=datetime.date(2015, 6, 30),
    ),
    ProcedureStory(
        absorbed=plot.AUVERGNE_TIC,
        contributions_euros=Decimal("240000"),
        notice_journal="Le Progrès, édition de la Loire",
        boards={plot.AUVERGNE_TIC: datetime.date(2016, 1, 21), plot.NUMELINK: datetime.date(2016, 1, 19)},
        notice=datetime.date(2016, 2, 25),
        documents=datetime.date(2016, 2, 26),
        assemblies={plot.AUVERGNE_TIC: AUVERGNE_TIC_AGE, plot.NUMELINK: AUVERGNE_TIC_AGE},
        assembly_notes={plot.NUMELINK: "AGE tenue avec l'AGO, à la Cité du design (Saint-Étienne)"},
        prefecture=datetime.date(2016, 4, 28),
        register=datetime.date(2016, 4, 28),
        sirene=datetime.date(2016, 5, 10),
    ),
    ProcedureStory(
        absorbed=plot.CLUSTR,
        # Two networks of 300 members each: contributions past the 1.55 M€ that call for a merger auditor.
        contributions_euros=Decimal("1920000"),
        notice_journal="Le Progrès, édition de la Loire",
        boards={plot.CLUSTR: datetime.date(2017, 4, 13), plot.NUMELINK: datetime.date(2017, 4, 11)},
        notice=datetime.date(2017, 5, 23),
        documents=datetime.date(2017, 5, 24),
        auditor=datetime.date(2017, 5, 24),
        assemblies={plot.CLUSTR: datetime.date(2017, 6, 27), plot.NUMELINK: datetime.date(2017, 6, 29)},
        prefecture=datetime.date(2017, 9, 14),
        register=datetime.date(2017, 9, 14),
        sirene=datetime.date(2017, 9, 28),
        treaty_effective_on=datetime.date(2017, 7, 1),
    ),
)


@dataclass
class GovernanceStory:
    numelink: Association
    statutes: list[Statutes]
    board: Body
    bureau: Body
    committees: dict[str, Body]
    federal_seats: dict[str, int]
    procedures: list[MergerProcedure]


def load(story: story_model.Story, associations: dict[str, Association]) -> GovernanceStory:
    """Numélink's statutes, bodies and mandates, and the three merger procedures (``associations``: the
    loader's, where Numélink's key holds the association the 2017 fusion produced)."""
    numelink = Association.objects.get(name=story.association(plot.NUMELINK).name)
    versions = [
        services.import_statutes(association=numelink, text=_text(name)) for name in NUMELINK_VERSIONS
    ]
    services.import_statutes(association=associations[plot.NUMELINK], text=_text(CLUSTR_VERSION))
    board = Body.objects.create(
        association=numelink, code="conseil", name="Conseil d'administration", kind=Body.Kind.BOARD
    )
    bureau = Body.objects.create(association=numelink, code="bureau", name="Bureau", kind=Body.Kind.BUREAU)
    # Numélink's territories, which the 2017 fusion carried into Numélink Clust'R.
    federal = associations[plot.NUMELINK].territories.filter(name__in=FEDERAL_TERRITORIES)
    territories = {t.name: t for t in federal}
    committees = {
        name: Body.objects.create(
            association=numelink,
            code="comite_territorial",
            name=f"Comité territorial {name}",
            kind=Body.Kind.COMMITTEE,
            territory=territory,
        )
        for name, territory in sorted(territories.items())
    }
    pools = _Pools(territories)
    _boards_until_2017(board, pools)
    seats = _federal_governance(versions[-1], board, bureau, committees, pools, associations)
    procedures = [_procedure(data, story, associations) for data in PROCEDURES]
    return GovernanceStory(numelink, versions, board, bureau, committees, seats, procedures)


def _text(name: str) -> str:
    return (STATUTES / f"{name}.yaml").read_text(encoding="utf-8")


class _Pools:
    """Representatives of member organisations by territory (an organisation's executive, placed in the
    territory of the organisation's first establishment); one person and one organisation per seat holder."""

    def __init__(self, territories: dict[str, Territory]):
        self.territories = territories
        self.by_territory: dict[str, list[tuple[Person, Organisation]]] = {name: [] for name in territories}
        people: set[int] = set()
        organisations: set[int] = set()
        roles = Role.objects.filter(kind=Role.Kind.EXECUTIVE).select_related("person", "organisation")
        for role in roles.order_by("organisation_id", "pk"):
            if role.person_id in people or role.organisation_id in organisations:
                continue
            first = role.organisation.establishments.order_by("pk").first()
            name = _territory_of(territories, first.departement_code if first else "")
            if name is not None:
                people.add(role.person_id)
                organisations.add(role.organisation_id)
                self.by_territory[name].append((role.person, role.organisation))
        self.taken: set[int] = set()

    def take(
        self,
        territory_names: tuple[str, ...],
        count: int,
        *,
        member_of: Association | None = None,
        on: datetime.date | None = None,
    ) -> list[tuple[Person, Organisation]]:
        """``count`` representatives not seated yet, from the first of ``territory_names`` that has some; with
        ``member_of``, only those whose organisation was its member on ``on`` (eligible, as the statutes ask)."""
        chosen = []
        for name in territory_names:
            for person, organisation in self.by_territory[name]:
                if len(chosen) == count:
                    break
                if person.pk in self.taken:
                    continue
                if (
                    member_of is not None
                    and on is not None
                    and not selectors.in_good_standing(organisation, member_of, on)
                ):
                    continue
                chosen.append((person, organisation))
        if len(chosen) < count:
            raise ValueError(f"{count} sièges, {len(chosen)} représentants disponibles ({territory_names})")
        self.taken.update(person.pk for person, _organisation in chosen)
        return chosen


def _territory_of(territories: dict[str, Territory], departement: str) -> str | None:
    for name, territory in territories.items():
        if departement in territory.departement_codes:
            return name
    return None


def _names(pools: _Pools, network: str) -> tuple[str, ...]:
    """The federal territories of a network's départements."""
    wanted = set(DEPARTEMENTS[network])
    return tuple(name for name, t in sorted(pools.territories.items()) if wanted & set(t.departement_codes))


def _seat(
    body: Body,
    person: Person,
    organisation: Organisation,
    *,
    starts_on: datetime.date,
    term_ends_on: datetime.date,
    role: str = Mandate.Role.MEMBER,
    reserved_seat: str = "",
) -> Mandate:
    """A mandate as a staff member records it (``services.start_mandate``: eligibility, incompatibilities and
    seats checked against the statutes in force on ``starts_on``)."""
    _designate(person, organisation, starts_on)
    return services.start_mandate(
        body=body,
        person=person,
        organisation=organisation,
        role=role,
        starts_on=starts_on,
        term_ends_on=term_ends_on,
        reserved_seat=reserved_seat,
        elected_by=ELECTED_BY.get(starts_on, ""),
    )


def _designate(person: Person, organisation: Organisation, since: datetime.date) -> None:
    """``person`` is their organisation's designated representative from ``since`` (the first day they sit)."""
    Role.objects.get_or_create(
        person=person,
        organisation=organisation,
        kind=Role.Kind.REPRESENTATIVE,
        defaults={"starts_on": since, "job_title": "Représentant désigné"},
    )


def _boards_until_2017(board: Body, pools: _Pools) -> None:
    """34 administrators from 2012, forty from the RhoneAlley merger, fifty from the Auvergne TIC AGE until the
    federal statutes replace the board."""
    numelink = board.association
    first = pools.take(_names(pools, "numelink"), FIRST_BOARD, member_of=numelink, on=FIRST_BOARD_ON)
    for person, organisation in first:
        _seat(board, person, organisation, starts_on=FIRST_BOARD_ON, term_ends_on=RHONEALLEY_AGE)
    # One administrator of 2012 steps down at the RhoneAlley AGE; the others are elected again with the newcomers,
    # who sit from the day the merger makes their organisations Numélink's members.
    continuing = first[: BOARD_2015["numelink"]]
    newcomers = pools.take(
        _names(pools, "rhonealley"), BOARD_2015["rhonealley"], member_of=numelink, on=RHONEALLEY_EFFECTIVE
    )
    partner = pools.take(_names(pools, "auvergne_tic"), BOARD_2015["auvergne_tic"])
    for _person, organisation in partner:
        _partnership_membership(numelink, organisation)
    seated = [(continuing, RHONEALLEY_AGE), (newcomers + partner, RHONEALLEY_EFFECTIVE)]
    term = datetime.date(2018, 6, 25)
    mandates = [
        _seat(board, person, organisation, starts_on=day, term_ends_on=term)
        for group, day in seated
        for person, organisation in group
    ]
    # The merger contract's ten reserved seats, held until the clause ends (its « jusqu_au » included).
    reserved = pools.take(
        _names(pools, "auvergne_tic"), RESERVED_SEATS, member_of=numelink, on=AUVERGNE_TIC_AGE
    )
    for person, organisation in reserved:
        _seat(
            board,
            person,
            organisation,
            starts_on=AUVERGNE_TIC_AGE,
            term_ends_on=FEDERAL_AGE,
            reserved_seat=RESERVED_CLAUSE,
        )
    federal = "Statuts fédéraux du 31 mars 2017 : nouveau conseil élu par territoire"
    for mandate in mandates:
        services.end_mandate(mandate=mandate, on=FEDERAL_AGE, reason=federal)


def _partnership_membership(numelink: Association, organisation: Organisation) -> None:
    """The partnership of June 2015 with Auvergne TIC: « un membre de l'association clermontoise avait intégré le
    conseil d'administration de Numélink », so its company joined Numélink too, until the merger of 31 March 2016
    folded that membership into the one it brought from Auvergne TIC."""
    Membership.objects.create(
        organisation=organisation,
        association=numelink,
        status=Membership.Status.ENDED,
        starts_on=PARTNERSHIP_ON,
        ends_on=AUVERGNE_TIC_AGE - datetime.timedelta(days=1),
        end_reason=Membership.EndReason.MERGER,
        end_reason_detail="Adhésion de partenariat, reprise par la fusion avec Auvergne TIC",
    )


def _federal_governance(
    statutes: Statutes,
    board: Body,
    bureau: Body,
    committees: dict[str, Body],
    pools: _Pools,
    associations: dict[str, Association],
) -> dict[str, int]:
    """The board of 31 March 2017: its thirty territorial seats shared out from the members each territory
    counted when Auvergne TIC's merger was applied (the registry's last count of Numélink alone); one territorial
    vice-president per committee, sitting on the board and the bureau; a president; committees of five."""
    merger = Merger.objects.get(absorbed=associations[plot.AUVERGNE_TIC], kind=Merger.Kind.ABSORPTION)
    share = apportionment.share_seats(statutes, merger.outcome["after"]["by_territory"])
    term = datetime.date(2020, 3, 31)
    pools.taken.clear()  # the former administrators stand again in their territory
    seated: dict[str, list[tuple[Person, Organisation]]] = {}
    for name in FEDERAL_TERRITORIES:
        seated[name] = pools.take((name,), share.shares[name], member_of=board.association, on=FEDERAL_AGE)
        for person, organisation in seated[name]:
            _seat(board, person, organisation, starts_on=FEDERAL_AGE, term_ends_on=term)
    # The president comes from the largest territory; each territory's first elected is its vice-president.
    largest = max(FEDERAL_TERRITORIES, key=lambda name: (share.shares[name], name))
    president = seated[largest][1]
    officers = [(president, Mandate.Role.PRESIDENT)]
    officers += [(seated[name][0], Mandate.Role.VICE_PRESIDENT) for name in FEDERAL_TERRITORIES]
    officers += [(seated[largest][2], Mandate.Role.TREASURER), (seated["Rhône"][1], Mandate.Role.SECRETARY)]
    year = datetime.date(2018, 3, 31)
    for (person, organisation), role in officers:
        _seat(bureau, person, organisation, starts_on=FEDERAL_AGE, term_ends_on=year, role=role)
    committee_term = datetime.date(2019, 3, 31)
    for name, body in committees.items():
        members = seated[name][:COMMITTEE_SIZE]
        members += pools.take(
            (name,), COMMITTEE_SIZE - len(members), member_of=body.association, on=FEDERAL_AGE
        )
        for index, (person, organisation) in enumerate(members):
            role = Mandate.Role.VICE_PRESIDENT if index == 0 else Mandate.Role.MEMBER
            _seat(body, person, organisation, starts_on=FEDERAL_AGE, term_ends_on=committee_term, role=role)
    return share.shares


def _procedure(
    data: ProcedureStory, story: story_model.Story, associations: dict[str, Association]
) -> MergerProcedure:
    merger = Merger.objects.exclude(kind=Merger.Kind.DEDUPLICATION).get(absorbed=associations[data.absorbed])
    # The parties as they voted: Numélink itself, not the association the 2017 fusion made of it.
    parties = {key: Association.objects.get(name=story.association(key).name) for key in data.boards}
    return record_procedure(data, merger, parties)


def record_procedure(
    data: ProcedureStory, merger: Merger, parties: dict[str, Association]
) -> MergerProcedure:
    """Open ``merger``'s procedure and record its steps as ``data`` dates them (``parties``: story key →
    association), through the procedure's services."""
    opened = procedure.open_procedure(
        merger=merger,
        contributions_euros=data.contributions_euros,
        notice_journal=data.notice_journal,
        treaty_effective_on=data.treaty_effective_on,
    )
    kinds = ProcedureStep.Kind
    for key, day in data.boards.items():
        procedure.record_step(procedure=opened, kind=kinds.BOARD, association=parties[key], done_on=day)
    for key, day in data.assemblies.items():
        procedure.record_step(
            procedure=opened,
            kind=kinds.ASSEMBLY,
            association=parties[key],
            planned_on=day,
            done_on=day,
            approved=True,
            note=data.assembly_notes.get(key, ""),
        )
    common: list[tuple[str, datetime.date | None]] = [
        (kinds.NOTICE, data.notice),
        (kinds.DOCUMENTS, data.documents),
        (kinds.AUDITOR, data.auditor),
        (kinds.PREFECTURE, data.prefecture),
        (kinds.REGISTER, data.register),
        (kinds.SIRENE, data.sirene),
    ]
    for kind, done in common:
        if done is not None:
            procedure.record_step(procedure=opened, kind=kind, done_on=done)
    return opened
