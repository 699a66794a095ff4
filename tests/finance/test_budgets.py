"""Budgets: forecast against actual by territory and office, dues read live, shared action plans split to the
cent, the territorial view, the refusals, and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grappe.finance import actuals, budgets
from grappe.finance.budget_models import (
    ActionPlan,
    ActionPlanShare,
    ActualEntry,
    Affiliation,
    AffiliationFee,
    Budget,
    BudgetLine,
    Category,
)
from grappe.registry.models import Office, Territory
from grappe.registry.stats import active_memberships, count_in_departements

from .conftest import bill_registry

YEAR = 2026


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def budget(registry) -> Budget:
    bill_registry(registry)  # 2026 dues of 90 € each, one paid, one paid 40 €
    budget = Budget.objects.create(association=registry.numelink, year=YEAR)
    shared = ActionPlan.objects.create(association=registry.numelink, year=YEAR, name="Start-up")
    for territory in (registry.loire, registry.drome_ardeche):
        ActionPlanShare.objects.create(plan=shared, territory=territory)
    fixed = ActionPlan.objects.create(
        association=registry.numelink,
        year=YEAR,
        name="Export",
        allocation=ActionPlan.Allocation.FIXED_SHARES,
    )
    ActionPlanShare.objects.create(plan=fixed, territory=registry.loire, weight=3)
    ActionPlanShare.objects.create(plan=fixed, territory=registry.drome_ardeche, weight=1)
    line = BudgetLine.objects.create
    line(budget=budget, category=Category.SUBSIDY, label="Région", forecast_cents=10_000_000)
    line(
        budget=budget,
        category=Category.STAFF,
        label="Direction",
        office=registry.head_office,
        forecast_cents=5_000_000,
    )
    line(
        budget=budget,
        category=Category.STAFF,
        label="Valence",
        office=registry.valence,
        forecast_cents=4_000_000,
    )
    line(
        budget=budget,
        category=Category.PROGRAMMES,
        label="Accompagnement",
        action_plan=shared,
        forecast_cents=1_000_001,
    )
    line(
        budget=budget,
        category=Category.EVENTS,
        label="Demo day Valence",
        action_plan=shared,
        territory=registry.drome_ardeche,
        forecast_cents=300_000,
    )
    line(budget=budget, category=Category.EVENTS, label="Salon", action_plan=fixed, forecast_cents=100_000)
    actuals.record_actual(
        budget=budget,
        category=Category.STAFF,
        label="Salaires siège",
        date=datetime.date(YEAR, 6, 30),
        amount_cents=4_800_000,
        office=registry.head_office,
    )
    actuals.record_actual(
        budget=budget,
        category=Category.PROGRAMMES,
        label="Accompagnement, 1er semestre",
        date=datetime.date(YEAR, 7, 1),
        amount_cents=500_000,
        action_plan=shared,
    )
    gip = Affiliation.objects.create(
        association=registry.numelink,
        counterpart="GIP Le Bivouac",
        kind=Affiliation.Kind.ACCELERATOR,
        relation=Affiliation.Relation.MEMBERSHIP,
    )
    AffiliationFee.objects.create(
        affiliation=gip, year=YEAR, amount_cents=120_000, paid_on=datetime.date(YEAR, 3, 1)
    )
    return budget


def _column(overview: budgets.Overview, name: str) -> budgets.Column:
    return next(column for column in overview.columns if column.name == name)


def test_the_overview_places_each_amount_and_the_totals_add_up(budget, registry, hq_user):
    overview = budgets.budget_overview(budget, user=hq_user)

    loire, drome = _column(overview, "Loire"), _column(overview, "Drôme-Ardèche")
    network = overview.columns[-1]
    assert network.territory is None
    assert network.figures[Category.SUBSIDY].forecast_cents == 10_000_000
    # The network's own memberships are an expense of the network, read live from their fees.
    assert network.figures[Category.AFFILIATIONS].actual_cents == 120_000
    assert loire.figures[Category.STAFF].forecast_cents == 5_000_000
    assert loire.figures[Category.STAFF].actual_cents == 4_800_000
    assert loire.figures[Category.STAFF].variance_cents == -200_000
    assert drome.figures[Category.STAFF].forecast_cents == 4_000_000
    # Dues, live: issued and paid, each due in its member's territory; nothing typed in.
    totals = overview.totals
    assert totals.figures[Category.DUES].forecast_cents == 9_000 * len(
        budget.association.memberships.filter(dues__year=YEAR)
    )
    assert totals.figures[Category.DUES].actual_cents == 9_000 + 4_000
    assert (
        sum(c.figures[Category.DUES].forecast_cents for c in overview.columns)
        == totals.figures[Category.DUES].forecast_cents
    )
    # Every cent of the shared plans lands somewhere, and the network's totals are the sum of the columns.
    assert totals.figures[Category.PROGRAMMES].forecast_cents == 1_000_001
    assert totals.figures[Category.PROGRAMMES].actual_cents == 500_000
    assert totals.figures[Category.EVENTS].forecast_cents == 400_000
    assert totals.expense.forecast_cents == 5_000_000 + 4_000_000 + 1_000_001 + 400_000 + 120_000


def test_a_shared_plan_splits_by_member_counts_and_a_fixed_one_by_its_shares(budget, registry, hq_user):
    overview = budgets.budget_overview(budget, user=hq_user)
    splits = {split.plan.name: split for split in overview.plans}

    members = active_memberships(registry.numelink)
    weights = {
        territory.pk: count_in_departements(members, territory.departement_codes)
        for territory in (registry.loire, registry.drome_ardeche)
    }
    start_up = {part.territory.name: part for part in splits["Start-up"].parts}
    assert [part.weight for part in splits["Start-up"].parts] == [
        weights[registry.drome_ardeche.pk],
        weights[registry.loire.pk],
    ]
    assert sum(part.shared.forecast_cents for part in start_up.values()) == 1_000_001
    assert sum(part.shared.actual_cents for part in start_up.values()) == 500_000
    assert start_up["Drôme-Ardèche"].direct.forecast_cents == 300_000
    export = {part.territory.name: part.shared.forecast_cents for part in splits["Export"].parts}
    assert export == {"Loire": 75_000, "Drôme-Ardèche": 25_000}
    # What a territory's column says it carries of the shared plans is what the plans gave it.
    assert (
        _column(overview, "Loire").shared.forecast_cents == start_up["Loire"].shared.forecast_cents + 75_000
    )


def test_a_plan_without_weights_keeps_its_costs_at_network_level_and_says_why(budget, registry, hq_user):
    plan = ActionPlan.objects.get(name="Export")
    plan.shares.update(weight=0)

    overview = budgets.budget_overview(budget, user=hq_user)

    assert overview.columns[-1].figures[Category.EVENTS].forecast_cents == 100_000
    assert overview.warnings and "Export" in overview.warnings[0]
    assert overview.totals.figures[Category.EVENTS].forecast_cents == 400_000


def test_territorial_staff_see_their_territory_only(budget, territorial_user):
    overview = budgets.budget_overview(budget, user=territorial_user)

    assert [column.name for column in overview.columns] == ["Drôme-Ardèche"]
    assert not overview.whole_network
    assert overview.totals.figures[Category.STAFF].forecast_cents == 4_000_000
    assert Category.SUBSIDY not in overview.totals.figures
    assert [row.office.name for row in overview.offices] == ["Antenne de Valence"]
    assert {split.plan.name for split in overview.plans} == {"Start-up", "Export"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": datetime.date(YEAR + 1, 1, 2)}, "n'est pas dans l'exercice 2026"),
        ({"amount_cents": 0}, "positif"),
        ({"category": Category.DUES}, "se calcule à partir des cotisations"),
        ({"label": "  "}, "libellé est obligatoire"),
        ({"office": "other network"}, "n'appartient pas à Numélink"),
        ({"office": "head office", "territory": "drome"}, "est dans le territoire « Loire »"),
        ({"action_plan": "other year"}, "n'est pas un plan 2026"),
    ],
)
def test_an_entry_that_does_not_fit_the_budget_is_refused_and_nothing_is_written(
    budget, registry, change, message
):
    other_office = Office.objects.create(
        association=registry.auvergne_tic, kind="bureau", name="Bureau de Clermont"
    )
    places = {
        "other network": other_office,
        "head office": registry.head_office,
        "drome": registry.drome_ardeche,
        "other year": ActionPlan.objects.create(association=registry.numelink, year=YEAR - 1, name="Ancien"),
    }
    fields = {
        "budget": budget,
        "category": Category.EVENTS,
        "label": "Salon",
        "date": datetime.date(YEAR, 5, 1),
        "amount_cents": 10_000,
    } | {key: places.get(value, value) if isinstance(value, str) else value for key, value in change.items()}
    if change.get("label"):
        fields["label"] = change["label"]
    before = ActualEntry.objects.count()

    with pytest.raises(budgets.BudgetError, match=re.escape(message)):
        actuals.record_actual(**fields)

    assert ActualEntry.objects.count() == before


def test_the_budget_page_shows_totals_offices_and_plans_in_french(budget, hq_client):
    response = hq_client.get(reverse("budgets:detail", args=[budget.pk]))

    assert response.status_code == 200
    text = page_text(response)
    assert "Budget 2026" in text and "Total du réseau" in text
    assert "Dépenses par implantation" in text and "Siège de Saint-Étienne" in text
    assert "Start-up" in text and "mutualisé" in text
    assert "salaires et charges 50 000,00 € 48 000,00 € -2 000,00 €" in text


def test_the_territorial_page_hides_the_network_part(budget, territorial_client):
    text = page_text(territorial_client.get(reverse("budgets:detail", args=[budget.pk])))

    assert "Vous voyez la part de votre territoire" in text
    assert "Réseau (non rattaché" not in text and "Siège de Saint-Étienne" not in text


def test_the_exports_hold_the_pages_figures_and_neutralise_formulas(budget, registry, hq_client):
    BudgetLine.objects.create(
        budget=budget,
        category=Category.OTHER_EXPENSE,
        label="x",
        forecast_cents=100,
        territory=registry.loire,
    )
    Territory.objects.filter(pk=registry.loire.pk).update(name='=HYPERLINK("http://x")')

    csv_response = hq_client.get(reverse("budgets:export_csv", args=[budget.pk]))
    body = b"".join(csv_response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Territoire", "Sens", "Catégorie", "Prévu (€)", "Réalisé (€)", "Écart (€)"]
    assert [
        '\'=HYPERLINK("http://x")',
        "dépense",
        "salaires et charges",
        "50000,00",
        "48000,00",
        "-2000,00",
    ] in rows  # a French CSV: decimal commas, which French Excel reads as numbers
    assert rows[-1][0] == "Total"

    xlsx = hq_client.get(reverse("budgets:export_xlsx", args=[budget.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert values[0][0] == "Territoire"
    staff = next(row for row in values if row[2] == "salaires et charges" and row[0].endswith('"http://x")'))
    assert staff[0].startswith("'=") and sheet.cell(1, 1).data_type == "s"
    assert staff[3:] == (50000, 48000, -2000)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_the_action_plan_page_shows_the_split_and_refuses_outsiders(
    budget, registry, hq_client, territorial_client
):
    plan = ActionPlan.objects.get(name="Export")
    text = page_text(hq_client.get(reverse("budgets:action_plan", args=[plan.pk])))
    assert "Répartition entre les territoires" in text and "clés fixes" in text
    assert "Loire 3 750,00 €" in text and "Drôme-Ardèche 1 250,00 €" in text

    assert territorial_client.get(reverse("budgets:action_plan", args=[plan.pk])).status_code == 200
    ActionPlanShare.objects.filter(plan=plan, territory=registry.drome_ardeche).delete()
    assert territorial_client.get(reverse("budgets:action_plan", args=[plan.pk])).status_code == 404


def test_pages_need_a_staff_account(budget, client, nonstaff_client):
    url = reverse("budgets:detail", args=[budget.pk])
    assert client.get(url).status_code == 302
    assert nonstaff_client.get(url).status_code == 403


def test_a_permanent_s_export_holds_their_territory_only(budget, territorial_client):
    response = territorial_client.get(reverse("budgets:export_csv", args=[budget.pk]))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))

    assert {row[0] for row in rows[1:]} == {"Drôme-Ardèche", "Total"}
    assert ["Total", "dépense", "salaires et charges", "40000,00", "0,00", "-40000,00"] in rows


def test_an_english_export_writes_decimals_with_a_dot(budget, territorial_client, settings):
    territorial_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = territorial_client.get(reverse("budgets:export_csv", args=[budget.pk]))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))

    assert ["40000.00", "0.00", "-40000.00"] in [row[3:] for row in rows if row[0] == "Total"]


def test_the_overview_costs_the_same_queries_whatever_the_number_of_lines(budget, registry, hq_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            budgets.budget_overview(budget, user=hq_user)
        return len(captured)

    queries()  # the user's scope is computed once, on the first call
    before = queries()
    for index in range(20):
        BudgetLine.objects.create(
            budget=budget,
            category=Category.STAFF,
            label=f"Poste {index}",
            office=registry.valence,
            forecast_cents=100_000,
        )
    assert queries() == before


def test_a_recorded_actual_leaves_a_labelled_audit_event(budget):
    from grappe.core.audit import ACTION_LABELS
    from grappe.core.models import AuditEvent

    event = AuditEvent.objects.filter(action="finance.budget_actual").latest("pk")
    assert event.details["amount_cents"] == 500_000
    assert ACTION_LABELS["finance.budget_actual"] == "saisie d'un réalisé budgétaire"
