"""Start-ups' dependents: a project hangs off the organisation it became and the people who found it.

Read by ``grappe.core.dependents`` (see there for the contract). A project's own territory places it (the
territory rule reads ``StartupProject.territory``, ``grappe.core.access.restrict_startups``), so its
organisation, often empty before the conversion, never decides who sees it.

- ``organisation``: KEEP_BOTH. Two duplicate organisations each converted from a project keep both projects,
  each with its own pipeline history: they are history, not data to reconcile.
- ``founders``: MOVE with de-duplication. A founder folded into their duplicate is one founder of the
  project, not two.
- ``territory``: KEEP_BOTH. A territory joined by a merger into the absorber's one of the same name hands its
  projects over, pipeline history and all (declared last: it never places a project for ``restrict``).
"""

from __future__ import annotations

from grappe.core.dependents import Dependent, Fold

DEPENDENTS = (
    Dependent("startups.StartupProject", "organisation", Fold.KEEP_BOTH),
    Dependent("startups.StartupProject", "founders", Fold.MOVE),
    Dependent("startups.StartupProject", "territory", Fold.KEEP_BOTH),
)
