"""The demo's finance chapter: the merged cluster's first full year (2018) after the 2017 fusion.

Played through the finance services as the accounting assistant would: the fee schedule voted by the AGO,
the year's dues generated (``generate_dues``), payments recorded for most of them (``record_payment``; some
paid in part, some not at all, hence overdue), the budget above 800 k€ across the offices (a staff line per
employee, the articles' seven of Numélink among them), one action plan mutualised across the territories
after the merger, and the network's own memberships (the Bivouac's GIP, joined through Auvergne TIC, the
French Tech community, the regional agency). Every amount is deterministic: same seed, same figures.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from grappe.demo import story as plot
from grappe.finance import actuals, services
from grappe.finance.budget_models import (
    ActionPlan,
    ActionPlanShare,
    Affiliation,
    AffiliationFee,
    AffiliationRepresentative,
    Budget,
    BudgetLine,
    Category,
)
from grappe.finance.models import Due, FeeBracket, FeeSchedule, FlatRate, Payment
from grappe.registry.models import Association, Office, StaffMember, Territory

YEAR = 2018

# Yearly fee by INSEE headcount bracket (euros), and flat fees: the cluster's 2018 schedule.
BRACKETS = (("00", "01", 180), ("02", "03", 350), ("11", "12", 700), ("21", "22", 1400), ("31", "53", 2800))
FLAT = {"startup": 150, "education_research": 400, "public_body": 400, "association": 200, "individual": 80}

# Yearly employer cost of a post (salary and charges, euros), by the first word that names it.
STAFF_COST = (
    ("Directeur adjoint", 66_000),
    ("Directeur", 82_000),
    ("Déléguée générale", 72_000),
    ("Responsable", 58_000),
    ("Assistante", 41_000),
    ("Chargé", 47_000),
)
OFFICE_RUNNING_COST = 14_000  # rent, energy and IT of an office with staff

INCOME = (
    (Category.SUBSIDY, "Région Auvergne-Rhône-Alpes — convention d'objectifs", None, 330_000),
    (Category.SUBSIDY, "Fonds européens (FEDER) — programme start-up", None, 60_000),
    (Category.SUBSIDY, "Saint-Étienne Métropole", "Loire", 45_000),
    (Category.SUBSIDY, "Clermont Auvergne Métropole", "Auvergne", 25_000),
    (Category.SUBSIDY, "Métropole de Lyon", "Rhône", 35_000),
    (Category.EVENTS_INCOME, "Rencontres régionales du numérique — billetterie", None, 80_000),
    (Category.PARTNERSHIPS, "Partenaires grands comptes", None, 140_000),
)
NETWORK_EXPENSES = (
    (Category.EVENTS, "Rencontres régionales du numérique", None, 70_000),
    (Category.EVENTS, "Afterworks territoriaux", "Drôme-Ardèche", 9_000),
    (Category.OPERATIONS, "Expert-comptable et commissaire aux comptes", None, 18_000),
)
SHARED_PLAN = "Start-up et French Tech — plan mutualisé"
SHARED_TERRITORIES = ("Loire", "Auvergne", "Drôme-Ardèche", "Rhône", "Isère")
SHARED_PLAN_LINES = (
    (Category.PROGRAMMES, "Programme d'accompagnement des start-up", None, 64_000),
    (Category.EVENTS, "Demo days et candidatures French Tech", None, 21_000),
    (Category.PROGRAMMES, "Bivouac — places réservées en accélération", "Auvergne", 12_000),
)

Progress = Callable[[str], None]


def _money(euros: int) -> int:
    return euros * 100


def play(*, progress: Progress | None = None) -> Budget | None:
    """The chapter on the merged cluster; nothing when the story did not reach the fusion."""
    say = progress or (lambda _message: None)
    cluster = Association.objects.filter(name=plot.FUSION_NAME).first()
    if cluster is None:
        return None
    say(f"Cotisations {YEAR} de {cluster.name}…")
    _dues(cluster)
    say(f"Budget {YEAR} et plan d'actions mutualisé…")
    budget = _budget(cluster)
    say("Adhésions et partenariats du réseau…")
    _affiliations(cluster)
    return budget


# -- dues ----------------------------------------------------------------------------------------------------


def _dues(cluster: Association) -> None:
    schedule = FeeSchedule.objects.create(
        association=cluster,
        year=YEAR,
        voted_on=datetime.date(YEAR - 1, 12, 14),
        due_on=datetime.date(YEAR, 3, 31),
        grace_until=datetime.date(YEAR, 6, 30),
    )
    FeeBracket.objects.bulk_create(
        FeeBracket(schedule=schedule, headcount_low=low, headcount_high=high, amount=Decimal(amount))
        for low, high, amount in BRACKETS
    )
    FlatRate.objects.bulk_create(
        FlatRate(schedule=schedule, category=category, amount=Decimal(amount))
        for category, amount in FLAT.items()
    )
    services.generate_dues(schedule=schedule)
    dues = Due.objects.filter(schedule=schedule).select_related("membership__organisation").order_by("pk")
    for index, due in enumerate(dues):
        # One member in ten has not paid (overdue since 31 March), one in ten paid half, the others in full.
        kind = index % 10
        if kind == 0:
            continue
        amount = (due.amount / 2).quantize(Decimal("0.01")) if kind == 1 else due.amount
        services.record_payment(
            organisation=due.membership.organisation,
            association=cluster,
            method=Payment.Method.CHEQUE if kind == 2 else Payment.Method.TRANSFER,
            amount=amount,
            received_on=datetime.date(YEAR, 2 + index % 5, 1 + index % 27),
            reference=f"COTISATION {YEAR} {due.membership.organisation.name}"[:140],
        )


# -- budget --------------------------------------------------------------------------------------------------


def staff_cost(job_title: str) -> int:
    """A post's yearly cost in euros, from its title (the table above; a chargé(e) de mission by default)."""
    for start, cost in STAFF_COST:
        if job_title.startswith(start):
            return cost
    return STAFF_COST[-1][1]


def _budget(cluster: Association) -> Budget:
    territories = {t.name: t for t in Territory.objects.filter(association=cluster)}
    budget = Budget.objects.create(
        association=cluster,
        year=YEAR,
        voted_on=datetime.date(YEAR - 1, 12, 14),
        notes="Premier budget du cluster fusionné, voté par l'AGO de décembre.",
    )
    lines: list[BudgetLine] = []
    for category, label, territory, euros in INCOME + NETWORK_EXPENSES:
        lines.append(
            BudgetLine(
                budget=budget,
                category=category,
                label=label,
                territory=territories.get(territory or ""),
                forecast_cents=_money(euros),
            )
        )
    on = datetime.date(YEAR, 1, 1)
    staff = StaffMember.objects.current(on).filter(association=cluster).select_related("office")
    staffed: set[int] = set()
    for member in staff.order_by("office__name", "last_name"):
        lines.append(
            BudgetLine(
                budget=budget,
                category=Category.STAFF,
                label=f"{member.job_title} — {member.first_name} {member.last_name}",
                office=member.office,
                staff_member=member,
                forecast_cents=_money(staff_cost(member.job_title)),
            )
        )
        if member.office_id:
            staffed.add(member.office_id)
    for office in Office.objects.filter(pk__in=staffed).order_by("name"):
        lines.append(
            BudgetLine(
                budget=budget,
                category=Category.OPERATIONS,
                label=f"Fonctionnement — {office.name}",
                office=office,
                forecast_cents=_money(OFFICE_RUNNING_COST),
            )
        )
    plan = _shared_plan(cluster, territories)
    for category, label, territory, euros in SHARED_PLAN_LINES:
        lines.append(
            BudgetLine(
                budget=budget,
                category=category,
                label=label,
                territory=territories.get(territory or ""),
                action_plan=plan,
                forecast_cents=_money(euros),
            )
        )
    _code(lines)
    BudgetLine.objects.bulk_create(lines)
    _actuals(budget, lines)
    return budget


# The account of the associations' chart of accounts (plan comptable associatif) each category is booked on.
ACCOUNTS = {
    Category.SUBSIDY: "74",
    Category.EVENTS_INCOME: "706",
    Category.PARTNERSHIPS: "754",
    Category.OTHER_INCOME: "758",
    Category.STAFF: "641",
    Category.EVENTS: "623",
    Category.PROGRAMMES: "622",
    Category.OPERATIONS: "613",
    Category.OTHER_EXPENSE: "628",
}


def _code(lines: list[BudgetLine]) -> None:
    """Each line's analytic code, as the accounting export names it: its account, then its rank (« 641-03 »)."""
    ranks: dict[str, int] = {}
    for line in lines:
        account = ACCOUNTS[Category(line.category)]
        ranks[account] = ranks.get(account, 0) + 1
        line.code = f"{account}-{ranks[account]:02d}"


def _shared_plan(cluster: Association, territories: dict[str, Territory]) -> ActionPlan:
    plan = ActionPlan.objects.create(
        association=cluster,
        year=YEAR,
        name=SHARED_PLAN,
        description=(
            "Sourcing des projets de start-up sur tout le territoire du cluster, candidatures French Tech et "
            "accélération avec le Bivouac : mutualisé entre les territoires depuis les fusions, ses coûts "
            "communs sont répartis selon le nombre d'adhérents de chacun."
        ),
        allocation=ActionPlan.Allocation.MEMBER_COUNTS,
    )
    ActionPlanShare.objects.bulk_create(
        ActionPlanShare(plan=plan, territory=territories[name])
        for name in SHARED_TERRITORIES
        if name in territories
    )
    return plan


def _actuals(budget: Budget, lines: list[BudgetLine]) -> None:
    """What the accounts recorded by 31 December: each line realised at 92 % to 106 % of its forecast,
    deterministically, on a date of the year; the events' ticketing came in under forecast."""
    for index, line in enumerate(lines):
        ratio = 92 + (index * 7) % 15
        amount = line.forecast_cents * ratio // 100
        if amount <= 0:
            continue
        actuals.record_actual(
            budget=budget,
            line=line,
            label=line.label,
            date=datetime.date(budget.year, 1 + index % 12, 28),
            amount_cents=amount,
        )


# -- the network's own memberships ---------------------------------------------------------------------------


def _staff(cluster: Association, job_title: str) -> StaffMember | None:
    return (
        StaffMember.objects.current().filter(association=cluster, job_title=job_title).order_by("pk").first()
    )


def _affiliations(cluster: Association) -> None:
    """Renewal dates are set from today, so that the page's « coming renewals » reads as it would live."""
    today = timezone.localdate()
    bodies = (
        (
            "GIP Le Bivouac",
            Affiliation.Kind.ACCELERATOR,
            Affiliation.Relation.MEMBERSHIP,
            datetime.date(2016, 3, 31),  # through the absorption of Auvergne TIC
            today + datetime.timedelta(days=45),
            5_000,
            "Chargé de mission Auvergne",
        ),
        (
            "Communauté French Tech Saint-Étienne Lyon",
            Affiliation.Kind.FRENCH_TECH,
            Affiliation.Relation.PARTNERSHIP,
            datetime.date(2015, 6, 1),
            today + datetime.timedelta(days=200),
            2_500,
            "Chargée de mission start-up et French Tech",
        ),
        (
            "Agence régionale Auvergne-Rhône-Alpes Entreprises",
            Affiliation.Kind.REGIONAL_BODY,
            Affiliation.Relation.MEMBERSHIP,
            datetime.date(2017, 7, 1),
            today + datetime.timedelta(days=80),
            1_200,
            "Directeur",
        ),
    )
    for counterpart, kind, relation, since, renewal_on, fee, representative in bodies:
        affiliation = Affiliation.objects.create(
            association=cluster,
            counterpart=counterpart,
            kind=kind,
            relation=relation,
            since=since,
            renewal_on=renewal_on,
        )
        AffiliationFee.objects.bulk_create(
            AffiliationFee(
                affiliation=affiliation,
                year=year,
                amount_cents=_money(fee),
                paid_on=datetime.date(year, 3, 15),
            )
            for year in (YEAR - 1, YEAR)
        )
        member = _staff(cluster, representative)
        if member:
            AffiliationRepresentative.objects.create(affiliation=affiliation, staff_member=member)
