"""State changes of governance: statutes versions, mandates. Admin, pages and CLI call these functions.

Each runs in one transaction and writes one audit event; a refusal is a ``UserError`` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from grappe.core.audit import record_event
from grappe.governance import schema
from grappe.governance.errors import StatutesRefused
from grappe.governance.models import Statutes
from grappe.registry.models import Association


def check_statutes(*, association: Association, text: str) -> dict[str, Any]:
    """The rules of a statutes document, or ``StatutesRefused`` listing every problem with its line."""
    try:
        rules = schema.load(text)
    except schema.StatutesInvalid as invalid:
        raise StatutesRefused(
            _("Ces statuts ne peuvent pas être enregistrés :")
            + "\n"
            + "\n".join(str(p) for p in invalid.problems),
            hint=_("Corrigez ces lignes puis importez de nouveau ; rien n'a été enregistré."),
        ) from None
    adopted_on = rules["adoption"]["date"]
    clash = Statutes.objects.filter(association=association, adopted_on=adopted_on).first()
    if clash is not None:
        raise StatutesRefused(
            _("%(existing)s a déjà été adoptée à cette date.") % {"existing": clash},
            hint=_("Une version par date d'adoption : corrigez adoption.date."),
        )
    return rules


@transaction.atomic
def import_statutes(*, association: Association, text: str, user: Any = None) -> Statutes:
    """Record a new version of ``association``'s statutes from its YAML text."""
    rules = check_statutes(association=association, text=text)
    # Locked so that two imports at once cannot take the same version number.
    Association.objects.select_for_update().filter(pk=association.pk).first()
    last = Statutes.objects.filter(association=association).aggregate(n=Max("version"))["n"] or 0
    statutes = Statutes.objects.create(
        association=association,
        version=last + 1,
        adopted_on=rules["adoption"]["date"],
        adopted_by=rules["adoption"]["assemblee"],
        rules=rules,
        source_text=text,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    statutes.refresh_from_db()  # the date as a date, not the text it was given as
    record_event(
        action="statutes.import",
        user=user,
        target=statutes,
        parent=association,
        details={"version": statutes.version, "adopted_on": statutes.adopted_on},
    )
    return statutes


def export_statutes(statutes: Statutes) -> str:
    """The YAML of a version's rules, which ``import_statutes`` reads back to the same rules."""
    return schema.dump(statutes.rules)
