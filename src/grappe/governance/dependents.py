"""Governance's dependents (see ``grappe.core.dependents`` for the contract).

A mandate's person comes first: it places the mandate in a territory for the visibility rule, and it is always
set (the represented organisation is not, for a qualified person).

A territorial committee hangs off its territory: when a merger joins the territory into the absorber's one of
the same name, the absorbed network's committee lives on under the joined territory, with its mandates (history,
KEEP_BOTH: it is still the absorbed network's body, beside the absorber's own committee).
"""

from __future__ import annotations

from grappe.core.dependents import Dependent, Fold

DEPENDENTS = (
    # Two records of one person holding the same seat from the same day are one mandate entered twice.
    Dependent("governance.Mandate", "person", Fold.MOVE, same=("body", "role", "starts_on")),
    # History: a mandate held for the absorbed organisation is kept as it was, now under the survivor.
    Dependent("governance.Mandate", "organisation", Fold.KEEP_BOTH),
    Dependent("governance.Body", "territory", Fold.KEEP_BOTH),
)
