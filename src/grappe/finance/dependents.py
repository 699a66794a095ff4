"""Finance's dependents: dues hang off memberships, payments off the organisation that paid them, budget lines,
actual entries and action-plan shares off a territory.

Read by ``grappe.core.dependents`` (see there for the contract). Both are KEEP_BOTH: they are accounting
records, so a merger never sums or drops them. An absorbed member's dues move with its membership, paid,
due or overdue as they were; a company that was a member of both associations keeps both associations' dues
for the year side by side (each was issued, and an issued due is cancelled, never deleted). The first
declaration places a due in a territory, through its membership's organisation.

A territory joined into another of the same name by a merger (``registry.services.transfer_structure``) hands
over its lines and entries as they were (accounting records: KEEP_BOTH), so the money stays placed where it was
spent. A plan's share of it moves; a plan that shared both territories keeps one share, worth both (SUM).
"""

from __future__ import annotations

from grappe.core.dependents import Dependent, Fold

DEPENDENTS = (
    Dependent("finance.Due", "membership", Fold.KEEP_BOTH),
    Dependent("finance.Payment", "organisation", Fold.KEEP_BOTH),
    # An invoice or receipt names its buyer as it was (frozen in ``details``); it follows the survivor.
    Dependent("finance.Document", "organisation", Fold.KEEP_BOTH),
    # One declaration a year per company: the survivor's stands for both (the undo snapshot keeps the other).
    Dependent("finance.DeclaredTurnover", "organisation", Fold.MOVE, same=("year",)),
    # A person sitting for the network in a body it belongs to: the survivor sits there once.
    Dependent("finance.AffiliationRepresentative", "person", Fold.MOVE, same=("affiliation",)),
    Dependent("finance.BudgetLine", "territory", Fold.KEEP_BOTH),
    Dependent("finance.ActualEntry", "territory", Fold.KEEP_BOTH),
    Dependent("finance.ActionPlanShare", "territory", Fold.SUM, same=("plan",), sum_field="weight"),
)
