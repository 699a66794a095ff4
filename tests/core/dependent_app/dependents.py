from grappe.core.dependents import Dependent, Fold

DEPENDENTS = (
    Dependent("dependent_app.Mandate", "organisation", Fold.KEEP_BOTH),
    Dependent("dependent_app.Mandate", "person", Fold.MOVE, same=("organisation", "body", "role")),
    Dependent("dependent_app.Due", "membership", Fold.SUM, same=("year",), sum_field="amount"),
    Dependent(
        "dependent_app.Ballot",
        "organisation",
        Fold.REFUSE,
        refusal="La fusion de « %(duplicate)s » dans « %(survivor)s » est refusée : le scrutin %(rows)s est ouvert "
        "à son nom.",
        hint="Clôturez le scrutin, puis relancez la fusion.",
    ),
    Dependent("dependent_app.Listing", "organisation", Fold.MOVE),
    Dependent("dependent_app.Programme", "participants", Fold.MOVE),
)
