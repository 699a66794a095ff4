"""The merger issue's measured point: the demo story's registry after the sure bands alone, nobody reviewing.

Measured on the story's ground truth at row level (``truth.csv``: every exported row and its company), so that
the rows the import already folded (same valid SIREN) count as much as the pairs the linkage folds.
"""

from __future__ import annotations

import pytest

from grappe.demo.story import NUMBERS
from grappe.mergers.models import CandidatePair, Merger
from grappe.mergers.selectors import review_queue

from .loading import story_loaded

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def auto_only(django_db_setup, django_db_blocker, tmp_path_factory):
    with story_loaded(django_db_blocker, tmp_path_factory.mktemp("story"), review=False) as loaded:
        yield loaded


def test_the_sure_bands_alone_reach_the_issue_f1_and_never_merge_two_companies(auto_only):
    assert not auto_only.reviewed
    assert auto_only.registry.f1 >= 0.98
    for figures in auto_only.mergers:
        assert figures.reviewed == 0
        # Not one pair of rows of two different companies in one organisation, at any step.
        assert figures.registry.precision == 1.0, figures
        assert figures.auto_right == figures.auto_joined, figures
    assert auto_only.registry.true_clusters == NUMBERS.after_clustr


def test_what_the_sure_bands_miss_waits_in_a_review_queue(auto_only):
    """Every company the sure band leaves split has a pair in a review queue, which apply left apart."""
    mergers = list(Merger.objects.order_by("pk"))
    assert all(m.status == Merger.Status.APPLIED and m.outcome["kept_apart"] == [] for m in mergers)
    # Nobody decided: each queue is still whole after apply.
    assert [review_queue(m).count() for m in mergers] == [f.review_queue for f in auto_only.mergers]
    left_apart = CandidatePair.objects.filter(
        band=CandidatePair.Band.REVIEW, decision=CandidatePair.Decision.PENDING
    ).count()
    final = auto_only.mergers[-1]
    assert 0 <= final.members - final.expected_members <= left_apart


def test_each_plan_counts_the_new_members_apply_brings(auto_only):
    """Nobody decided between plan and apply: the plan's projection is exactly what apply did (a duplicate
    inside an export counts once, a pair left to review brings its member)."""
    absorptions = Merger.objects.exclude(kind=Merger.Kind.DEDUPLICATION).order_by("pk")
    assert [m.summary["counts"]["new_members"] for m in absorptions] == [
        len(m.outcome["new_members"]) for m in absorptions
    ]
    assert all(len(m.outcome["new_members"]) == m.outcome["created"] for m in absorptions)


def test_the_sure_bands_alone_give_the_exact_member_count(auto_only):
    """Including the companies that are members through two establishments in two départements with one row
    without a valid identifier: the street and the phone of another site are weighed given the place, so
    the pair is in the sure band, not in review (benchmarks/mergers/README.md)."""
    assert [figures.members for figures in auto_only.mergers] == [
        figures.expected_members for figures in auto_only.mergers
    ]
