"""State changes of the merger workflow: plan, review, apply, undo. Views, CLI and demo call these functions.

Every function checks the ``mergers.manage_merger`` permission (``user=None`` is the command line, which runs as
the system), runs atomically and writes an ``AuditEntry``. Errors are ``UserError``s that name the merger, the
problem and the fix; a refused action changes nothing.

This module is the public face of the workflow: it gathers the names callers use from the modules that hold
them, each one idea a reader looks for:

- ``access``: who may act (``check_can_manage``), the status a step needs, the audit trail, the errors;
- ``plan``: ``plan_merger``, ``plan_deduplication``, ``replan_merger``, ``abandon_plan`` — linkage, candidate pairs, summary
  (``planning`` is the web's background job around it);
- ``review``: decisions on pairs (one, above a threshold, CSV in and out) and the membership-type mapping;
- ``projections``: read-only — the registry before and after, survivors, new members, the plan's counts;
- ``apply``: ``apply_merger`` — snapshot, folding, membership types, the absorbed association carried over;
- ``undo``: ``check_undo``, ``undo_merger``.

The test seams live where they are looked up: ``apply.FAULT_HOOK`` and ``plan.link``.
"""

from __future__ import annotations

from grappe.errors import UserError
from grappe.mergers.access import (
    COMMAND_LINE,
    MergerForbidden,
    MergerRefused,
    actor_label,
    audit,
    check_can_manage,
)
from grappe.mergers.apply import apply_merger
from grappe.mergers.models import CandidatePair
from grappe.mergers.plan import (
    Progress,
    abandon_plan,
    check_plannable,
    imported_export,
    plan_deduplication,
    plan_merger,
    proposed_type_mapping,
    replan_merger,
    types_in_use,
)
from grappe.mergers.projections import member_ids, new_members, plan_counts, projection, survivors
from grappe.mergers.review import (
    DECISION_COLUMNS,
    DECISION_HEADERS,
    accept_above,
    check_membership_types,
    decide_pair,
    export_decisions,
    import_decisions,
    pair_replaced,
    set_membership_type_mapping,
    unconfirmed_types,
    undecided_pairs,
)
from grappe.mergers.undo import check_undo, undo_merger
from grappe.registry.services import deduplicate_people

Pair = CandidatePair

__all__ = [
    "COMMAND_LINE",
    "DECISION_COLUMNS",
    "DECISION_HEADERS",
    "MergerForbidden",
    "MergerRefused",
    "Pair",
    "Progress",
    "UserError",
    "abandon_plan",
    "accept_above",
    "actor_label",
    "apply_merger",
    "audit",
    "check_can_manage",
    "check_membership_types",
    "check_plannable",
    "check_undo",
    "decide_pair",
    "deduplicate_people",
    "export_decisions",
    "import_decisions",
    "imported_export",
    "member_ids",
    "new_members",
    "pair_replaced",
    "plan_counts",
    "plan_deduplication",
    "plan_merger",
    "projection",
    "proposed_type_mapping",
    "replan_merger",
    "set_membership_type_mapping",
    "survivors",
    "types_in_use",
    "unconfirmed_types",
    "undecided_pairs",
    "undo_merger",
]
