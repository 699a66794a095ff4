"""The pipeline's moves as a rule: one step at a time, « member » only by conversion, dropping with a reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grappe.startups.stages import ACTIVE, LADDER, MoveProblem, Stage, allowed_targets, move_problem

stages = st.sampled_from(list(Stage))


def test_a_project_climbs_one_stage_at_a_time() -> None:
    assert move_problem(Stage.SOURCED, Stage.QUALIFIED) is None
    assert move_problem(Stage.QUALIFIED, Stage.SOURCED) is None
    assert move_problem(Stage.SOURCED, Stage.ACCOMPANIED) is MoveProblem.SKIPS
    assert move_problem(Stage.LABELLED, Stage.MEMBER) is MoveProblem.MEMBER_BY_MOVE
    assert move_problem(Stage.MEMBER, Stage.LABELLED) is MoveProblem.CONVERTED
    assert move_problem(Stage.ACCOMPANIED, Stage.DROPPED) is MoveProblem.NO_REASON
    assert move_problem(Stage.ACCOMPANIED, Stage.DROPPED, reason="fin du financement") is None
    assert move_problem(Stage.DROPPED, Stage.ACCOMPANIED, dropped_from=Stage.ACCOMPANIED) is None
    assert (
        move_problem(Stage.DROPPED, Stage.SOURCED, dropped_from=Stage.ACCOMPANIED)
        is MoveProblem.RESUME_ELSEWHERE
    )


@given(current=stages, target=stages, dropped_from=st.sampled_from([None, *ACTIVE]))
def test_no_move_reaches_member_or_leaves_it_and_the_board_offers_only_allowed_moves(
    current, target, dropped_from
) -> None:
    problem = move_problem(current, target, reason="motif", dropped_from=dropped_from)
    if target == Stage.MEMBER or current == Stage.MEMBER or current == target:
        assert problem is not None
    if problem is None and Stage.DROPPED not in (current, target):
        assert abs(LADDER.index(target) - LADDER.index(current)) == 1
    offered = allowed_targets(current, dropped_from=dropped_from)
    assert (target in offered) == (problem is None)
