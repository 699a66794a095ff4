"""An export's column mapping, one rule for every flow that imports a file (an import job, a merger's plan):
where it starts, when a person must look at it, and how their choice is recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grappe.errors import UserError
from grappe.registry.models import Association


@dataclass(frozen=True)
class StartingMapping:
    mapping: dict[int, str]
    saved_name: str  # the association's saved mapping that corrected the recognised headers, or ""


def starting_mapping(association: Association, headers: tuple[str, ...]) -> StartingMapping:
    """The recognised headers, corrected by the association's most recently saved mapping."""
    from grappe.intake.selectors import resolve_mapping, saved_mappings

    latest = saved_mappings(association=association).order_by("-updated_at").first()
    name = latest.name if latest else ""
    return StartingMapping(resolve_mapping(headers=headers, association=association, spec=name or None), name)


def needs_review(*, headers: tuple[str, ...], mapping: Mapping[int, str]) -> bool:
    """A person looks at the mapping when it misses a required field or leaves a named column out: that
    column's values would reach the registry nowhere (they stay verbatim in the imported rows)."""
    from grappe.intake.services import check_mapping

    try:
        check_mapping(headers=headers, mapping=mapping)
    except UserError:
        return True
    return any(header.strip() and index not in mapping for index, header in enumerate(headers))


def record_mapping(
    *, association: Association, headers: tuple[str, ...], mapping: Mapping[int, str], save_as: str, user: Any
) -> dict[str, str]:
    """Check the mapping a person chose, save it under ``save_as`` for the association's next exports when
    named, and return it as stored on a job."""
    from grappe.intake.services import check_mapping, save_mapping

    check_mapping(headers=headers, mapping=mapping)
    if save_as.strip():
        save_mapping(association=association, name=save_as, headers=headers, mapping=mapping, user=user)
    return as_json(mapping)


def as_json(mapping: Mapping[int, str]) -> dict[str, str]:
    """Column index → field, as a job stores it (JSON keys are text)."""
    return {str(index): name for index, name in sorted(mapping.items())}
