"""The start-up pipeline's stages and which moves between them are allowed: a pure rule, no Django.

A project climbs one stage at a time (sourced → qualified → accompanied → labelled/accelerated), may step back
one stage (a wrong move corrected), may be dropped from any stage before « member » (with a reason) and taken
up again at the stage it was dropped from. « Member » is reached only by converting the project into a member
organisation (``services.convert_to_member``), never by a move: the conversion creates the organisation and
its membership, which a moved card would not.
"""

from __future__ import annotations

import enum


class Stage(enum.StrEnum):
    SOURCED = "sourced"
    QUALIFIED = "qualified"
    ACCOMPANIED = "accompanied"
    LABELLED = "labelled"
    MEMBER = "member"
    DROPPED = "dropped"


# The pipeline's columns, in order; « dropped » is outside the ladder.
LADDER = (Stage.SOURCED, Stage.QUALIFIED, Stage.ACCOMPANIED, Stage.LABELLED, Stage.MEMBER)
ACTIVE = LADDER[:-1]


class MoveProblem(enum.StrEnum):
    SAME = "same"
    CONVERTED = "converted"
    MEMBER_BY_MOVE = "member_by_move"
    SKIPS = "skips"
    NO_REASON = "no_reason"
    RESUME_ELSEWHERE = "resume_elsewhere"


def move_problem(
    current: Stage, target: Stage, *, reason: str = "", dropped_from: Stage | None = None
) -> MoveProblem | None:
    """Why moving a project from ``current`` to ``target`` is refused, or None when it is allowed.
    ``dropped_from``: for a dropped project, the stage it was dropped from (where it resumes)."""
    if current == target:
        return MoveProblem.SAME
    if current == Stage.MEMBER:
        return MoveProblem.CONVERTED
    if target == Stage.MEMBER:
        return MoveProblem.MEMBER_BY_MOVE
    if target == Stage.DROPPED:
        return None if reason.strip() else MoveProblem.NO_REASON
    if current == Stage.DROPPED:
        return None if target == (dropped_from or Stage.SOURCED) else MoveProblem.RESUME_ELSEWHERE
    if abs(LADDER.index(target) - LADDER.index(current)) != 1:
        return MoveProblem.SKIPS
    return None


def allowed_targets(current: Stage, *, dropped_from: Stage | None = None) -> list[Stage]:
    """The stages a card may be moved to from ``current`` (dropping counted: it asks for a reason)."""
    return [
        target
        for target in (*ACTIVE, Stage.DROPPED)
        if move_problem(current, target, reason="-", dropped_from=dropped_from) is None
    ]
