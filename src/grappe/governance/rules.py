"""The arithmetic of statutes, with no Django: quorum, majorities, eligibility and seat apportionment.

Every function takes the rule it applies as an argument (read from a statutes version by the caller) and never
supplies one of its own: a rule the statutes leave out is ``None`` here, and applying it raises ``RuleNotSet``
with the statutes' path of the missing rule, so that the refusal reads « non fixé par les statuts ».
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

NOT_SET = "non fixé par les statuts"


class RuleNotSet(Exception):
    """A service needed a rule the statutes do not set. ``path`` names it (``assemblees.AGE.quorum``)."""

    def __init__(self, path: str):
        super().__init__(f"{path} : {NOT_SET}")
        self.path = path


class RuleError(Exception):
    """The rule is set but cannot be applied to these figures (more minimum seats than seats…)."""


T = TypeVar("T")


def required(value: T | None, path: str) -> T:
    """``value`` when the statutes set it; otherwise the refusal every service shows."""
    if value is None:
        raise RuleNotSet(path)
    return value


# -- quorum and majorities -----------------------------------------------------------------------------------


class Base(enum.StrEnum):
    """What a quorum or a majority is counted against."""

    CAST = "exprimes"  # votes for + against; abstentions and blank ballots are not cast
    PRESENT = "presents_et_representes"  # present and represented members with a vote
    MEMBERS = "membres"  # every member with a vote, present or not


class Threshold(enum.StrEnum):
    SIMPLE = "simple"  # more for than against
    ABSOLUTE = "absolue"  # more than half of the base
    FRACTION = "fraction"  # at least a fraction of the base (two thirds, three quarters)


@dataclass(frozen=True)
class Quorum:
    """At least ``fraction`` of ``base`` (members, usually) present or represented; ``fraction`` 0: none."""

    base: Base
    fraction: Fraction


@dataclass(frozen=True)
class Majority:
    base: Base
    threshold: Threshold
    fraction: Fraction | None = None  # with Threshold.FRACTION only


@dataclass(frozen=True)
class Turnout:
    """Who took part in one vote: ``members`` with a vote, ``present`` (including represented by proxy)."""

    members: int
    present: int

    def __post_init__(self) -> None:
        if not 0 <= self.present <= self.members:
            raise RuleError(f"présents et représentés ({self.present}) hors de 0…{self.members} membres")


@dataclass(frozen=True)
class Tally:
    votes_for: int
    against: int
    abstentions: int = 0

    def __post_init__(self) -> None:
        if min(self.votes_for, self.against, self.abstentions) < 0:
            raise RuleError("un décompte de voix ne peut pas être négatif")

    @property
    def cast(self) -> int:
        return self.votes_for + self.against


def _base_size(base: Base, turnout: Turnout, tally: Tally | None = None) -> int:
    if base is Base.CAST:
        if tally is None:
            raise RuleError("un quorum ne peut pas se compter sur les suffrages exprimés")
        return tally.cast
    return turnout.present if base is Base.PRESENT else turnout.members


def quorum_needed(quorum: Quorum | None, turnout: Turnout, *, path: str) -> int:
    """The least number present and represented for the assembly to deliberate."""
    rule = required(quorum, path)
    size = _base_size(rule.base, turnout)
    needed = rule.fraction * size
    # "at least a quarter of 10 members" is 3: a fraction of a person rounds up.
    return int(needed) if needed.denominator == 1 else int(needed) + 1


def quorum_reached(quorum: Quorum | None, turnout: Turnout, *, path: str) -> bool:
    return turnout.present >= quorum_needed(quorum, turnout, path=path)


def adopted(majority: Majority | None, turnout: Turnout, tally: Tally, *, path: str) -> bool:
    """Whether ``tally`` adopts a resolution under ``majority``."""
    rule = required(majority, path)
    if tally.votes_for + tally.against + tally.abstentions > turnout.present:
        raise RuleError(
            f"{tally.votes_for + tally.against + tally.abstentions} voix pour {turnout.present} présents et "
            "représentés"
        )
    if rule.threshold is Threshold.SIMPLE:
        return tally.votes_for > tally.against
    size = _base_size(rule.base, turnout, tally)
    if rule.threshold is Threshold.ABSOLUTE:
        return 2 * tally.votes_for > size
    fraction = required(rule.fraction, f"{path}.fraction")
    return size > 0 and tally.votes_for >= fraction * size


# -- eligibility ------------------------------------------------------------------------------------------------


class Condition(enum.StrEnum):
    """The conditions statutes put on candidates and voters (eligibilite.candidature / eligibilite.vote)."""

    GOOD_STANDING = "membre_a_jour"
    REPRESENTATIVE = "representant_designe"
    NOT_STAFF = "non_salarie"


def gettext_noop(message: str) -> str:
    """Marks a text for the translation catalog without Django (makemessages reads this name): the caller
    translates it when it shows it (``django.utils.translation.gettext(CONDITION_LABELS[c])``)."""
    return message


CONDITION_LABELS = {
    Condition.GOOD_STANDING: gettext_noop("être membre à jour de sa cotisation"),
    Condition.REPRESENTATIVE: gettext_noop("être le représentant désigné de son organisation"),
    Condition.NOT_STAFF: gettext_noop("ne pas être salarié de l'association"),
}


@dataclass(frozen=True)
class Facts:
    """What is known of a person when a condition is checked, gathered by the caller from the registry."""

    good_standing: bool
    representative: bool
    staff: bool

    def meets(self, condition: Condition) -> bool:
        if condition is Condition.GOOD_STANDING:
            return self.good_standing
        if condition is Condition.REPRESENTATIVE:
            return self.representative
        return not self.staff


def unmet(conditions: Iterable[Condition] | None, facts: Facts, *, path: str) -> list[Condition]:
    """The conditions ``facts`` fail, in the statutes' order (empty: eligible)."""
    return [c for c in required(conditions, path) if not facts.meets(c)]


# -- apportionment -----------------------------------------------------------------------------------------------


class Method(enum.StrEnum):
    LARGEST_REMAINDER = "plus_forts_restes"  # Hamilton: quotas, then the largest remainders
    SAINTE_LAGUE = "sainte_lague"  # divisor method, divisors 1, 3, 5…


class TieBreak(enum.StrEnum):
    """How the statutes settle an exact tie for a seat (``repartition_territoriale.departage``)."""

    LARGER_COUNT = "plus_grand_effectif_puis_nom"  # the territory with more members, then by name
    NAME = "ordre_alphabetique"  # by territory name

    def key(self, counts: Mapping[str, int], territory: str) -> tuple[int, str]:
        """Sorts the territory that wins the tie first."""
        return (-counts[territory], territory) if self is TieBreak.LARGER_COUNT else (0, territory)


def apportion(
    counts: Mapping[str, int],
    seats: int,
    *,
    method: Method,
    minimum: int = 0,
    tie_break: TieBreak = TieBreak.LARGER_COUNT,
) -> dict[str, int]:
    """Share ``seats`` among territories in proportion to ``counts``, each getting at least ``minimum``.

    An exact tie for the last seat is settled by ``tie_break``, so that the result never depends on the order
    of ``counts``. The statutes' own rule when they set one; otherwise ``tied_for_last`` names the territories
    such a tie decided between, for the caller to refuse (a real share-out) or show (a what-if).
    """
    if seats < 0 or minimum < 0 or any(n < 0 for n in counts.values()):
        raise RuleError("les sièges, le minimum et les effectifs ne peuvent pas être négatifs")
    if not counts:
        raise RuleError("aucun territoire entre lesquels répartir les sièges")
    if minimum * len(counts) > seats:
        raise RuleError(
            f"{len(counts)} territoires × {minimum} siège(s) minimum = {minimum * len(counts)}, "
            f"plus que les {seats} sièges à répartir"
        )
    if method is Method.SAINTE_LAGUE:
        return _sainte_lague(counts, seats, minimum, tie_break)
    return _largest_remainder(counts, seats, minimum, tie_break)


def tied_for_last(
    counts: Mapping[str, int],
    seats: int,
    *,
    method: Method,
    minimum: int = 0,
    tie_break: TieBreak = TieBreak.LARGER_COUNT,
) -> tuple[str, ...]:
    """The territories between which an exact tie decided the last seat(s) of ``apportion`` (empty: none)."""
    result = apportion(counts, seats, method=method, minimum=minimum, tie_break=tie_break)
    if method is Method.SAINTE_LAGUE:
        won = {t: Fraction(2 * counts[t], 2 * result[t] - 1) for t in counts if result[t] > minimum}
        missed = {t: Fraction(2 * counts[t], 2 * result[t] + 1) for t in counts}
    else:
        open_, left = _largest_remainder_share_out(counts, seats, minimum, tie_break)
        total = sum(open_.values())
        quotas = {t: Fraction(n * left, total) for t, n in open_.items()}
        won = {t: q - int(q) for t, q in quotas.items() if result[t] > int(q)}
        missed = {t: q - int(q) for t, q in quotas.items() if result[t] == int(q)}
    if not won or not missed:
        return ()
    cut = min(won.values())
    if cut != max(missed.values()):
        return ()
    return tuple(sorted({t for t, q in won.items() if q == cut} | {t for t, q in missed.items() if q == cut}))


def _sainte_lague(counts: Mapping[str, int], seats: int, minimum: int, tie_break: TieBreak) -> dict[str, int]:
    # Sequential highest averages from the floor: the same as « max(minimum, round(count / d)) » for the right
    # divisor d, hence population-monotone (a territory that gains members never loses a seat to the others).
    result = dict.fromkeys(counts, minimum)
    for _ in range(seats - minimum * len(counts)):
        best = min(
            counts, key=lambda t: (-Fraction(2 * counts[t], 2 * result[t] + 1), *tie_break.key(counts, t))
        )
        result[best] += 1
    return result


def _largest_remainder(
    counts: Mapping[str, int], seats: int, minimum: int, tie_break: TieBreak
) -> dict[str, int]:
    open_, left = _largest_remainder_share_out(counts, seats, minimum, tie_break)
    shares = _hamilton(open_, left, tie_break)
    return {t: shares.get(t, minimum) for t in counts}


def _largest_remainder_share_out(
    counts: Mapping[str, int], seats: int, minimum: int, tie_break: TieBreak = TieBreak.LARGER_COUNT
) -> tuple[dict[str, int], int]:
    """The territories of the final proportional share-out and its seats. Territories whose share falls under
    the minimum get the minimum and leave the share-out; the others share what is left, until nobody falls
    under."""
    fixed: set[str] = set()
    while True:
        open_ = {t: n for t, n in counts.items() if t not in fixed}
        left = seats - minimum * len(fixed)
        under = [t for t, s in _hamilton(open_, left, tie_break).items() if s < minimum]
        if not under:
            return open_, left
        fixed.update(under)


def _hamilton(
    counts: Mapping[str, int], seats: int, tie_break: TieBreak = TieBreak.LARGER_COUNT
) -> dict[str, int]:
    total = sum(counts.values())
    if not counts:
        return {}
    if total == 0:
        raise RuleError("aucun membre dans les territoires : la répartition proportionnelle est impossible")
    quotas = {t: Fraction(n * seats, total) for t, n in counts.items()}
    result = {t: int(q) for t, q in quotas.items()}
    order = sorted(counts, key=lambda t: (-(quotas[t] - result[t]), *tie_break.key(counts, t)))
    for t in order[: seats - sum(result.values())]:
        result[t] += 1
    return result


@dataclass(frozen=True)
class Paradox:
    """A territory that lost a seat to another although its membership grew at least as fast (the population
    paradox; with unchanged counts and a larger board, the Alabama paradox)."""

    territory: str
    gainer: str
    members_before: int
    members_after: int
    seats_before: int
    seats_after: int

    def __str__(self) -> str:
        return (
            f"{self.territory} passe de {self.members_before} à {self.members_after} membres mais de "
            f"{self.seats_before} à {self.seats_after} sièges, au profit de {self.gainer}, qui n'a pas progressé davantage"
        )


def paradoxes(
    before: Mapping[str, int],
    seats_before: Mapping[str, int],
    after: Mapping[str, int],
    seats_after: Mapping[str, int],
) -> list[Paradox]:
    """Pairs of territories present on both sides where one lost a seat and the other gained one although the
    loser's membership grew by at least the same ratio. A divisor method never produces one."""
    common = sorted(t for t in before if t in after and t in seats_before and t in seats_after)
    found = []
    for loser in common:
        if seats_after[loser] >= seats_before[loser]:
            continue
        for gainer in common:
            if seats_after[gainer] <= seats_before[gainer]:
                continue
            # after/before of the loser ≥ after/before of the gainer, written without division.
            if after[loser] * before[gainer] >= after[gainer] * before[loser]:
                found.append(
                    Paradox(
                        loser, gainer, before[loser], after[loser], seats_before[loser], seats_after[loser]
                    )
                )
                break
    return found
