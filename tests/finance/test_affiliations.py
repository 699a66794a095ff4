"""The network's own memberships and partnerships page, and the budgets' back office."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from grappe.finance import affiliations
from grappe.finance.budget_models import (
    Affiliation,
    AffiliationFee,
    AffiliationRepresentative,
    Budget,
    BudgetLine,
)
from grappe.registry.models import StaffMember

# The page reads today's date: the fixture's renewals are set from it.
TODAY = timezone.localdate()


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def bodies(registry):
    director = StaffMember.objects.create(
        association=registry.numelink, first_name="Armand", last_name="Lulka"
    )
    gip = Affiliation.objects.create(
        association=registry.numelink,
        counterpart="GIP Le Bivouac",
        kind=Affiliation.Kind.ACCELERATOR,
        relation=Affiliation.Relation.MEMBERSHIP,
        renewal_on=TODAY + datetime.timedelta(days=30),
    )
    AffiliationFee.objects.create(
        affiliation=gip, year=2026, amount_cents=500_000, paid_on=datetime.date(2026, 3, 1)
    )
    AffiliationRepresentative.objects.create(affiliation=gip, staff_member=director)
    AffiliationRepresentative.objects.create(affiliation=gip, person=registry.paul, role="suppléant")
    late = Affiliation.objects.create(
        association=registry.numelink,
        counterpart="Agence régionale",
        kind=Affiliation.Kind.REGIONAL_BODY,
        relation=Affiliation.Relation.MEMBERSHIP,
        renewal_on=TODAY - datetime.timedelta(days=3),
    )
    far = Affiliation.objects.create(
        association=registry.numelink,
        counterpart="French Tech",
        kind=Affiliation.Kind.FRENCH_TECH,
        relation=Affiliation.Relation.PARTNERSHIP,
        renewal_on=TODAY + datetime.timedelta(days=200),
    )
    Affiliation.objects.create(
        association=registry.numelink,
        counterpart="Ancien réseau",
        kind=Affiliation.Kind.NETWORK,
        relation=Affiliation.Relation.MEMBERSHIP,
        ended_on=datetime.date(2025, 12, 31),
        renewal_on=TODAY,
    )
    return gip, late, far


def test_coming_renewals_are_the_late_and_the_near_ones_soonest_first(bodies):

    current = affiliations.current_affiliations(on=TODAY)

    renewals = affiliations.upcoming_renewals(current, on=TODAY)

    assert [(r.affiliation.counterpart, r.days_left, r.overdue) for r in renewals] == [
        ("Agence régionale", -3, True),
        ("GIP Le Bivouac", 30, False),
    ]
    assert "Ancien réseau" not in {a.counterpart for a in current}


def test_the_page_lists_fees_representatives_and_renewals(bodies, territorial_client):
    text = page_text(territorial_client.get(reverse("budgets:affiliations")))

    assert "Adhésions et partenariats du réseau" in text
    assert "GIP Le Bivouac accélérateur (GIP)" in text
    assert "2026 : 5 000,00 €" in text
    assert "Armand Lulka (représentant titulaire)" in text and "Paul" in text and "(suppléant)" in text
    assert "à renouveler depuis le" in text


def test_a_representative_is_staff_or_a_person_not_both_nor_none(bodies, registry):
    gip = bodies[0]
    with pytest.raises(IntegrityError):
        AffiliationRepresentative.objects.create(affiliation=gip)


def test_the_admin_edits_budgets_in_euros_and_refuses_a_misplaced_line(admin_client, registry):
    budget = Budget.objects.create(association=registry.numelink, year=2026)
    url = reverse("admin:finance_budget_change", args=[budget.pk])
    form = {
        "association": registry.numelink.pk,
        "year": 2026,
        "notes": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-0-category": "staff",
        "lines-0-label": "Chargé de mission",
        "lines-0-office": registry.valence.pk,
        "lines-0-territory": registry.loire.pk,
        "lines-0-euros": "45000.50",
    }
    refused = admin_client.post(url, form)
    assert refused.status_code == 200
    assert "est dans le territoire « Drôme-Ardèche », pas « Loire »" in refused.content.decode()
    assert not BudgetLine.objects.exists()

    form["lines-0-territory"] = ""
    admin_client.post(url, form)
    assert BudgetLine.objects.get().forecast_cents == 4_500_050


@pytest.mark.parametrize("model", ["budget", "actualentry", "actionplan", "affiliation"])
def test_each_changelist_opens_in_french(admin_client, registry, model):
    response = admin_client.get(reverse(f"admin:finance_{model}_changelist"))
    assert response.status_code == 200
    assert "Finances" in response.text
