"""Who may act on a merger, in which status, and the trace each action leaves: the small helpers every step of
the workflow (``plan``, ``review``, ``apply``, ``undo``) shares.

Errors are ``UserError``s that name the merger, the problem and the fix: ``MergerForbidden`` when the user lacks
the right, ``MergerRefused`` when the merger cannot take that step now.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import access as core_access
from grappe.core import audit as core_audit
from grappe.errors import UserError
from grappe.mergers.models import AuditEntry, Merger
from grappe.mergers.selectors import can_manage_mergers

COMMAND_LINE = core_audit.COMMAND_LINE


class MergerForbidden(UserError):
    code = "grappe.forbidden"


class MergerRefused(UserError):
    code = "grappe.merger.refused"


# -- permissions and audit ---------------------------------------------------------------------------------


def check_can_manage(user: Any, *, whole_network: bool = False) -> None:
    """Only staff with the merger right (or a superuser) act on mergers; ``None`` is the command line.

    ``whole_network``: the step acts on every member of both networks (plan, apply, undo, bulk acceptance…),
    refused to territorial staff by the territory rule of ``grappe.core.access``."""
    if user is None:
        return
    if whole_network and not core_access.sees_whole_network(user):
        raise MergerForbidden(str(core_access.WHOLE_NETWORK_DENIED))
    if not can_manage_mergers(user):
        raise MergerForbidden(
            _("Vous n'avez pas le droit de préparer, réviser, appliquer ou annuler une fusion."),
            hint=_(
                "Il faut un compte de l'équipe (statut « équipe ») avec la permission « Peut préparer, "
                "réviser, appliquer et annuler une fusion » : demandez-la à un administrateur."
            ),
        )


def check_pair_in_scope(user: Any, pair: Any) -> None:
    """A territorial reviewer decides only pairs touching their territory (a pair they cannot list)."""
    if user is not None and not any(core_access.pair_sides_in_scope(user, pair)):
        raise MergerForbidden(
            _("La paire n° %(id)s ne touche aucun adhérent de votre territoire : elle n'est pas à vous.")
            % {"id": pair.pk},
            hint=_("Demandez à la direction du réseau de la décider."),
        )


def actor_label(user: Any) -> str:
    return core_audit.actor_label(user)


def audit(merger: Merger | None, user: Any, action: str, **details: Any) -> AuditEntry:
    """The merger's own log (its pages and report read it) and the core audit log, in one call."""
    core_audit.record_event(
        action=f"merger.{action}", user=user, target=merger, details=details, context=merger
    )
    return AuditEntry.objects.create(
        merger=merger, user=user, actor=actor_label(user), action=action, details=details
    )


# Fields of a review pair's side (``CandidatePair.left_values`` / ``right_values``) and comparisons of its
# evidence shown for an organisation outside the reader's territory: public SIRENE data a reviewer needs to
# decide. Everything else (e-mail, phone, website, street, contacts) is masked.
PUBLIC_FIELDS = frozenset(
    {
        "id",
        "name",
        "siren",
        "sirets",
        "siret",
        "places",
        "postcode",
        "city",
        "departement",
        "departements",
        "naf_code",
        "country",
    }
)
PUBLIC_COMPARISONS = frozenset({"identifiers", "name", "place", "naf", "a priori", "total"})
MASKED = gettext_lazy("(hors de votre territoire)")


def pair_as_read_by(user: Any, pair: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """``pair``'s left values, right values and evidence as ``user`` may read them: a side outside their
    territory (``grappe.core.access.pair_sides_in_scope``) keeps only its public fields. Nothing is saved."""
    left_seen, right_seen = core_access.pair_sides_in_scope(user, pair)
    left, right = dict(pair.left_values or {}), dict(pair.right_values or {})
    evidence = [dict(item) for item in pair.evidence or []]
    for seen, values, key in ((left_seen, left, "left_value"), (right_seen, right, "right_value")):
        if seen:
            continue
        for field in list(values):
            if field not in PUBLIC_FIELDS and values[field]:
                values[field] = str(MASKED)
        for item in evidence:
            if item.get("comparison") not in PUBLIC_COMPARISONS and item.get(key):
                item[key] = str(MASKED)
    return left, right, evidence


# -- status ------------------------------------------------------------------------------------------------


# What a refused action was, as the infinitive of the refusal « Impossible … la fusion », with its « de » or
# « d' » (French elides it before a vowel).
_DOING = {
    "replan": gettext_lazy("de planifier à nouveau"),
    "review": gettext_lazy("de réviser"),
    "edit": gettext_lazy("de modifier"),
    "apply": gettext_lazy("d'appliquer"),
    "undo": gettext_lazy("d'annuler"),
    "abandon": gettext_lazy("d'abandonner le plan de"),
}


def check_status(merger: Merger, wanted: str, doing: str) -> None:
    if merger.status != wanted:
        raise MergerRefused(
            _(
                "Impossible %(doing)s la fusion n° %(id)s (%(merger)s) : elle est « %(status)s », il faut "
                "qu'elle soit « %(wanted)s »."
            )
            % {
                "doing": _DOING[doing],
                "id": merger.pk,
                "merger": merger,
                "status": merger.get_status_display(),
                "wanted": Merger.Status(wanted).label,
            },
            hint=_status_hint(merger),
        )


def _status_hint(merger: Merger) -> str:
    if merger.status == Merger.Status.APPLIED:
        return _("Pour la refaire, annulez-la d'abord (grappe merge undo %(id)s).") % {"id": merger.pk}
    if merger.status in (Merger.Status.UNDONE, Merger.Status.ABANDONED):
        return _("Planifiez une nouvelle fusion (grappe merge plan).")
    return ""
