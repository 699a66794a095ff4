"""The review teaches the model: « Recalculer avec mes décisions » (page and `grappe merge recompute`) plans
again with the decisions taken, which are kept; the queue asks first the pairs that teach most; the plan
says where the model's parameters come from."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grappe.mergers import selectors, services
from grappe.mergers.models import AuditEntry, CandidatePair, Merger

pytestmark = pytest.mark.django_db


def detail(merger: Merger) -> str:
    return reverse("mergers:detail", kwargs={"merger_id": merger.pk})


def test_the_plan_says_where_the_parameters_come_from(manager_client: Client, merger: Merger) -> None:
    page = manager_client.get(detail(merger)).content.decode()
    assert "Probabilités u : valeurs par défaut" in page
    assert "Aucune décision de revue n&#x27;a encore affiné le modèle." in page
    assert "Recalculer avec mes décisions" in page


def test_recomputing_learns_from_the_decisions_and_keeps_them(
    manager_client: Client, merger: Merger, manager
):
    pairs = list(merger.pairs.exclude(band=CandidatePair.Band.NON_MATCH).order_by("pk")[:3])
    assert pairs, "the scenario's plan has candidate pairs"
    for pair in pairs:
        services.decide_pair(pair=pair, decision=CandidatePair.Decision.ACCEPTED, user=manager)
    response = manager_client.post(reverse("mergers:recompute", kwargs={"merger_id": merger.pk}))
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.summary["linkage"]["parameters"]["decisions_learned"] >= len(pairs)
    decided = {(p.left_org_id, p.right_org_id) for p in pairs}
    kept = [p for p in merger.pairs.all() if (p.left_org_id, p.right_org_id) in decided]
    assert {p.decision for p in kept} == {CandidatePair.Decision.ACCEPTED}
    assert merger.audit.filter(action=AuditEntry.Action.PLAN).count() == 2
    page = manager_client.get(detail(merger)).content.decode()
    assert "Affiné par" in page


def test_recomputing_is_refused_once_applied(manager_client: Client, merger: Merger) -> None:
    merger.status = Merger.Status.APPLIED
    merger.save(update_fields=["status"])
    response = manager_client.post(reverse("mergers:recompute", kwargs={"merger_id": merger.pk}))
    assert response.status_code == 302
    assert merger.audit.filter(action=AuditEntry.Action.PLAN).count() == 1
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED


def test_an_outsider_cannot_recompute(merger: Merger, django_user_model) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_user("stagiaire", is_staff=True))
    response = client.post(reverse("mergers:recompute", kwargs={"merger_id": merger.pk}))
    assert response.status_code == 404
    assert merger.audit.filter(action=AuditEntry.Action.PLAN).count() == 1


def test_the_queue_follows_the_engines_question_order(merger: Merger) -> None:
    queue = list(selectors.review_queue(merger))
    ranked = [pair.question_rank for pair in queue if pair.question_rank is not None]
    assert ranked == sorted(ranked)
    assert queue[: len(ranked)] == [pair for pair in queue if pair.question_rank is not None]
