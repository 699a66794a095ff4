"""The demo story loads through the real importer, and the articles' figures hold afterwards."""

from __future__ import annotations

import re

import pytest

from grappe.demo import loader
from grappe.demo.story import FUSION_NAME, NUMBERS
from grappe.errors import UserError
from grappe.mergers.models import Merger
from grappe.mergers.report import merger_report
from grappe.registry.models import Association, Brand, Office, SourceRecord, StaffMember
from grappe.registry.stats import member_count, members_by_departement

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def report(story):
    return story


def test_story_figures_hold_after_loading(report):
    assert [step.members for step in report.steps] == [
        NUMBERS.after_rhonealley,
        NUMBERS.after_auvergne_tic,
        NUMBERS.after_clustr,
    ]
    assert report.holds
    # 300 members in seven départements after Auvergne TIC, more than 600 after Clust'R Numérique.
    assert report.steps[1].departements == ("07", "26", "38", "42", "43", "63", "69")
    cluster = Association.objects.get(name=FUSION_NAME)
    assert member_count(cluster) == NUMBERS.after_clustr > 600
    assert "74" in members_by_departement(cluster)
    absorbed = Association.objects.filter(status=Association.Status.ABSORBED).values_list("name", flat=True)
    assert set(absorbed) == {"Numélink", "RhoneAlley", "Auvergne TIC", "Clust'R Numérique"}
    assert Brand.objects.filter(association=cluster, name="RhoneAlley").exists()
    # Numélink's seven employees, one of them newly hired in Clermont-Ferrand, all carried into the cluster.
    bureau = Office.objects.get(name="Bureau de Clermont-Ferrand")
    assert bureau.association == cluster and bureau.kind == Office.Kind.BUREAU
    assert StaffMember.objects.filter(office=bureau, left_on__isnull=True).count() == 1
    # Every exported row is kept verbatim.
    exported_rows = sum(
        1 for line in (report.directory / "truth.csv").read_text(encoding="utf-8").splitlines()[1:] if line
    )
    assert SourceRecord.objects.count() == exported_rows


def test_with_the_reviewer_the_registry_is_exactly_the_truth(report):
    """Row level: every exported row ends in the organisation of its company, and in no other's."""
    assert [figures.label for figures in report.mergers] == [
        "numelink-dedup",
        "numelink-rhonealley-2015",
        "numelink-auvergne-tic-2016",
        "numelink-clustr-2017",
    ]
    for figures in report.mergers:
        assert figures.holds, figures
        assert figures.registry.f1 == 1.0, figures
        assert figures.reviewed == figures.review_queue
    final = report.registry
    assert final.true_pairs == final.predicted_pairs == final.true_positive_pairs > 0
    # Whole clusters too: as many organisations holding story rows as companies in the story.
    assert final.cluster_precision == final.cluster_recall == 1.0
    assert final.true_clusters == NUMBERS.after_clustr
    assert Merger.objects.filter(status=Merger.Status.APPLIED).count() == 4


def test_each_merger_report_lists_the_story_s_shared_and_new_members(report):
    """Shared members count those the import folded by SIREN, not only the pairs the linkage found."""
    mergers = Merger.objects.exclude(kind=Merger.Kind.DEDUPLICATION).order_by("pk")
    reports = [merger_report(merger) for merger in mergers]
    assert [r.overlap_count for r in reports] == [
        NUMBERS.numelink_rhonealley_shared,
        NUMBERS.auvergne_tic_shared,
        NUMBERS.clustr_shared,
    ]
    assert [len(r.new_members) for r in reports] == [
        NUMBERS.after_rhonealley - NUMBERS.numelink_members,
        NUMBERS.after_auvergne_tic - NUMBERS.after_rhonealley,
        NUMBERS.after_clustr - NUMBERS.after_auvergne_tic,
    ]
    assert all(len(r.new_members) == r.merger.outcome["created"] for r in reports)


def test_loading_twice_is_refused(report, tmp_path):
    with pytest.raises(UserError, match="déjà chargée"):
        loader.load_story(directory=tmp_path / "again")


def test_every_network_has_its_types_and_colleges_and_the_cluster_speaks_the_federal_ones(report):
    from grappe.demo.membership_types import ENTREPRISES, FORMATION_RECHERCHE, PARTENAIRES
    from grappe.registry.models import College, Membership, MembershipType

    rhonealley = Association.objects.get(name="RhoneAlley")
    assert set(MembershipType.objects.filter(association=rhonealley).values_list("name", flat=True)) >= {
        "Membre actif",
        "Jeune pousse",
    }
    cluster = Association.objects.get(name=FUSION_NAME)
    members = Membership.objects.filter(association=cluster)
    assert not members.filter(membership_type=None).exists()
    # The absorbed networks' words were mapped onto Numélink's, which the fusion carried into the cluster.
    assert set(members.values_list("membership_type__name", flat=True)) <= {
        "Entreprise",
        "Start-up",
        "Établissement de formation ou de recherche",
        "Collectivité",
        "Association partenaire",
    }
    assert not members.exclude(membership_type__association=cluster).exists()
    assert not members.exclude(college__association=cluster).exists()
    # The colleges its members vote in (a fusion carries those in use).
    assert ENTREPRISES in set(College.objects.filter(association=cluster).values_list("name", flat=True))
    assert set(College.objects.filter(association=cluster).values_list("name", flat=True)) <= {
        ENTREPRISES,
        FORMATION_RECHERCHE,
        PARTENAIRES,
    }


# -- the finance chapter (grappe.demo.finance_story), on the same loaded story ------------------------------


def test_the_cluster_has_a_year_of_dues_mostly_paid_some_overdue(report):
    import datetime

    from django.contrib.auth import get_user_model

    from grappe.finance.models import Due
    from grappe.finance.selectors import DueFilters, search_dues
    from grappe.finance.services import paid_amounts

    cluster = Association.objects.get(name=FUSION_NAME)
    dues = Due.objects.filter(membership__association=cluster, year=2018)
    assert dues.count() == member_count(cluster)
    paid = paid_amounts(dues.values_list("pk", flat=True))
    settled = sum(1 for due in dues if paid.get(due.pk, 0) >= due.amount)
    assert 0.7 * dues.count() < settled < dues.count()
    user = get_user_model().objects.get(is_superuser=True)
    overdue = search_dues(user, DueFilters(year=2018, state="overdue"), today=datetime.date(2018, 12, 31))
    assert overdue.count() > 0.05 * dues.count()


def test_the_cluster_budget_is_above_800_k_euros_across_its_offices_with_a_shared_plan(report):
    from django.contrib.auth import get_user_model

    from grappe.finance import budgets
    from grappe.finance.budget_models import ActionPlan, Affiliation, Budget, BudgetLine, Category

    cluster = Association.objects.get(name=FUSION_NAME)
    budget = Budget.objects.get(association=cluster, year=2018)
    overview = budgets.budget_overview(budget, user=get_user_model().objects.get(is_superuser=True))

    assert overview.totals.expense.forecast_cents > 800_000 * 100
    assert overview.totals.income.forecast_cents > 800_000 * 100
    # Dues read live: the year's dues, issued and (mostly) paid.
    dues = overview.totals.figures[Category.DUES]
    assert 0 < dues.actual_cents < dues.forecast_cents
    # A staff line per employee in post, Numélink's seven among them, in the offices of the articles.
    offices = {row.office.name: row.staff for row in overview.offices}
    numelink_offices = [name for name in offices if re.search("Saint-Étienne|Roanne|Valence|Clermont", name)]
    assert sum(offices[name] for name in numelink_offices) == 7
    assert "Bureau de Clermont-Ferrand" in offices and "Antenne de Roanne" in offices
    assert (
        BudgetLine.objects.filter(budget=budget, category=Category.STAFF).count()
        == StaffMember.objects.filter(association=cluster, left_on__isnull=True).count()
    )
    # Every line has the code the accounting export names it by, so that the actuals can be imported.
    codes = list(BudgetLine.objects.filter(budget=budget).values_list("code", flat=True))
    assert all(codes) and len(set(codes)) == len(codes)
    assert BudgetLine.objects.get(budget=budget, code="74-01").category == Category.SUBSIDY
    # One plan mutualised across territories, its common costs split to the cent.
    plan = ActionPlan.objects.get(association=cluster, year=2018)
    split = next(split for split in overview.plans if split.plan == plan)
    assert len(split.parts) >= 4
    assert sum(part.shared.forecast_cents for part in split.parts) == split.unplaced.forecast_cents > 0
    # The network's own memberships: the Bivouac's GIP, the French Tech community, a regional body.
    kinds = set(Affiliation.objects.filter(association=cluster).values_list("kind", flat=True))
    assert kinds == {"accelerator", "french_tech", "regional_body"}
