"""What an assembly needs from the statutes in force: whether it may deliberate (quorum, first or second
convocation), whether a resolution is adopted (majority for its kind), whether a proxy may be held, and by when
the convocation must go out. The assemblies app calls these; each rule it needs that the statutes leave out is
refused (``NotSetByStatutes``), never supplied."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from grappe.governance import rules, schema, selectors
from grappe.governance.models import Statutes
from grappe.governance.rules import RuleNotSet, Tally, Turnout


@dataclass(frozen=True)
class Deliberation:
    needed: int
    present: int

    @property
    def quorum_reached(self) -> bool:
        return self.present >= self.needed


def _quorum_path(assembly: str, second_call: bool) -> str:
    return (
        f"assemblees.{assembly}.seconde_convocation.quorum"
        if second_call
        else f"assemblees.{assembly}.quorum"
    )


def deliberation(
    statutes: Statutes, assembly: str, turnout: Turnout, *, second_call: bool = False
) -> Deliberation:
    """The quorum of an assembly type (``AGO``, ``AGE``) on first or second convocation."""
    path = _quorum_path(assembly, second_call)
    try:
        needed = rules.quorum_needed(
            schema.quorum_of(schema.lookup(statutes.rules, path)), turnout, path=path
        )
    except RuleNotSet as missing:
        raise selectors.not_set(statutes, missing) from None
    return Deliberation(needed=needed, present=turnout.present)


def adopted(statutes: Statutes, assembly: str, kind: str, turnout: Turnout, tally: Tally) -> bool:
    """Whether ``tally`` adopts a resolution of ``kind`` (``fusion``, ``modification_statuts``…)."""
    path = f"assemblees.{assembly}.majorites.{kind}"
    try:
        return rules.adopted(
            schema.majority_of(schema.lookup(statutes.rules, path)), turnout, tally, path=path
        )
    except RuleNotSet as missing:
        raise selectors.not_set(statutes, missing) from None


def proxy_refusal(statutes: Statutes, *, already_held: int, holder_present: bool) -> str:
    """Why a holder may not take one more proxy (empty: they may)."""
    if not selectors.rule(statutes, "procurations.autorisees"):
        return _("Les statuts n'autorisent pas les procurations.")
    cap = selectors.rule(statutes, "procurations.plafond_par_porteur")
    if already_held >= cap:
        return _(
            "Ce porteur détient déjà %(held)d procuration(s) : les statuts en permettent %(cap)d au plus."
        ) % {
            "held": already_held,
            "cap": cap,
        }
    if selectors.rule(statutes, "procurations.porteur_present") and not holder_present:
        return _("Les statuts demandent que le porteur d'une procuration soit présent.")
    return ""


def convocation_deadline(statutes: Statutes, assembly: str, meeting_on: datetime.date) -> datetime.date:
    """The last day the convocation may be sent for a meeting on ``meeting_on``."""
    days = selectors.rule(statutes, f"convocation.{assembly}")
    return meeting_on - datetime.timedelta(days=days)
