"""Territorial seats on a body, shared out from live member counts as the statutes say
(``repartition_territoriale``: body, seats, method, minimum per territory), and the same share-out recomputed as
a what-if for a planned merger.

Counts come from ``grappe.registry.stats`` (the one counting rule: distinct member organisations with an
establishment in the territory's départements); after a merger, from the merger's own projection, which
applies the same rule to the merged registry.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from grappe.governance import rules, selectors
from grappe.governance.errors import ApportionmentRefused, NotSetByStatutes
from grappe.governance.models import Statutes
from grappe.governance.rules import Method, Paradox, TieBreak
from grappe.mergers.models import Merger
from grappe.mergers.projections import projection
from grappe.registry import stats
from grappe.registry.models import Association

PATH = "repartition_territoriale"


@dataclass(frozen=True)
class SeatShare:
    statutes: Statutes
    body_code: str
    method: Method
    seats: int
    minimum: int
    members: dict[str, int]
    shares: dict[str, int]
    # Territories between which an exact tie decided the last seat, and the statutes' rule that settled it
    # (None: they do not say; a real share-out is then refused).
    tied: tuple[str, ...] = ()
    tie_break: TieBreak | None = None

    @property
    def tie_break_label(self) -> str:
        return {
            TieBreak.LARGER_COUNT: _(
                "au territoire qui compte le plus de membres, puis par ordre alphabétique"
            ),
            TieBreak.NAME: _("par ordre alphabétique des territoires"),
            None: rules.NOT_SET,
        }[self.tie_break]

    @property
    def method_label(self) -> str:
        return {
            Method.LARGEST_REMAINDER: _("plus forts restes"),
            Method.SAINTE_LAGUE: _("Sainte-Laguë"),
        }[self.method]


@dataclass(frozen=True)
class MergerWhatIf:
    merger: Merger
    before: SeatShare
    after: SeatShare
    paradoxes: tuple[Paradox, ...]

    def rows(self) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
        """(territory, members before, after, seats before, after); None where the territory is on one side."""
        names = sorted({*self.before.members, *self.after.members})
        return [
            (
                name,
                self.before.members.get(name),
                self.after.members.get(name),
                self.before.shares.get(name),
                self.after.shares.get(name),
            )
            for name in names
        ]


def share_seats(statutes: Statutes, members: dict[str, int]) -> SeatShare:
    """Share the statutes' territorial seats among ``members`` (territory → member count)."""
    rule = selectors.rule(statutes, PATH)
    for key in ("organe", "sieges", "methode", "minimum_par_territoire"):
        selectors.rule(statutes, f"{PATH}.{key}")
    method = Method(rule["methode"])
    tie_break = TieBreak(rule["departage"]) if "departage" in rule else None
    # Without the statutes' rule the share-out is still computed, in a fixed order, for a what-if to show it
    # with its tie named; ``current_share`` refuses it.
    settle = {"tie_break": tie_break} if tie_break else {}
    try:
        shares = rules.apportion(
            members, rule["sieges"], method=method, minimum=rule["minimum_par_territoire"], **settle
        )
        tied = rules.tied_for_last(
            members, rule["sieges"], method=method, minimum=rule["minimum_par_territoire"], **settle
        )
    except rules.RuleError as error:
        raise ApportionmentRefused(
            _("Répartition des sièges impossible (%(statutes)s) : %(problem)s.")
            % {"statutes": statutes, "problem": error},
            hint=_("Vérifiez les territoires et leurs départements, ou les sièges fixés par les statuts."),
        ) from None
    return SeatShare(
        statutes=statutes,
        body_code=rule["organe"],
        method=method,
        seats=rule["sieges"],
        minimum=rule["minimum_par_territoire"],
        members=dict(members),
        shares=shares,
        tied=tied,
        tie_break=tie_break,
    )


def current_share(association: Association, on: datetime.date) -> SeatShare:
    """The share-out under the statutes in force on ``on``, from today's members. Refused when an exact tie
    decides a seat and the statutes do not say how to settle it (``repartition_territoriale.departage``)."""
    share = share_seats(selectors.statutes_in_force(association, on), stats.members_by_territory(association))
    if share.tied and share.tie_break is None:
        raise NotSetByStatutes(
            _(
                "Égalité exacte pour le dernier siège entre %(territories)s : le départage n'est pas fixé par "
                "les statuts (%(statutes)s)."
            )
            % {"territories": ", ".join(share.tied), "statutes": share.statutes},
            hint=_(
                "Une nouvelle version des statuts doit dire comment départager (repartition_territoriale.departage) ; "
                "rien n'est tiré au sort ici."
            ),
        )
    return share


def merger_what_if(merger: Merger, *, statutes: Statutes | None = None) -> MergerWhatIf:
    """The territorial seats before the merger (the absorbing association today) and after it (its projected
    registry, with the absorbed association's territories), under ``statutes``. Exact ties are shown
    (``tied``), not refused: a what-if explores (by default those of the
    absorbing association in force on the merger's effective date: a merger contract often brings new ones)."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        raise ApportionmentRefused(_("Une déduplication ne change pas les territoires : rien à comparer."))
    statutes = statutes or selectors.statutes_in_force(merger.absorbing, merger.effective_on)
    before = share_seats(statutes, stats.members_by_territory(merger.absorbing))
    after = share_seats(statutes, projection(merger)["after"]["by_territory"])
    found = rules.paradoxes(before.members, before.shares, after.members, after.shares)
    return MergerWhatIf(merger=merger, before=before, after=after, paradoxes=tuple(found))
