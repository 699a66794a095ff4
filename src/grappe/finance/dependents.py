"""Finance's dependents: dues hang off memberships, payments off the organisation that paid them.

Read by ``grappe.core.dependents`` (see there for the contract). Both are KEEP_BOTH: they are accounting
records, so a merger never sums or drops them. An absorbed member's dues move with its membership, paid,
due or overdue as they were; a company that was a member of both associations keeps both associations' dues
for the year side by side (each was issued, and an issued due is cancelled, never deleted). The first
declaration places a due in a territory, through its membership's organisation.
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
)
