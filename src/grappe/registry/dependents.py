"""The registry's own dependents: what hangs off an organisation, an establishment, a person, a membership or a
territory.

Read by ``grappe.core.dependents`` (see there for the contract). The order is the order of folding, and a
model's first relation is the one that places its rows in a territory.
"""

from __future__ import annotations

from grappe.core.dependents import Dependent, Fold

DEPENDENTS = (
    Dependent("registry.Establishment", "organisation", Fold.MOVE),
    Dependent("registry.Role", "organisation", Fold.MOVE),
    # A person folded into another keeps one role per organisation and kind (deduplicate_people).
    Dependent("registry.Role", "person", Fold.MOVE, same=("organisation", "kind")),
    # Moved whole; collapse_memberships then keeps one current membership per association.
    Dependent("registry.Membership", "organisation", Fold.MOVE),
    Dependent("registry.Membership", "establishment", Fold.MOVE),
    Dependent("registry.SourceRecord", "organisation", Fold.KEEP_BOTH),
    # The organisations folded before into the one being folded now: their links follow it to the new survivor.
    Dependent("registry.FoldedOrganisation", "survivor", Fold.KEEP_BOTH),
    # The survivor carries the union of both organisations' tags, each once.
    Dependent("registry.Organisation", "tags", Fold.MOVE),
    # Lineage points at any registry row (content type, id): what each source said stays, retained or not.
    Dependent("registry.Lineage", "target", Fold.KEEP_BOTH),
    # An absorbed territory joining the absorber's one of the same name: its offices (their staff with them)
    # serve the joined territory, and a brand used there is used in the joined territory, once.
    Dependent("registry.Office", "territory", Fold.MOVE),
    Dependent("registry.Brand", "territories", Fold.MOVE),
)
