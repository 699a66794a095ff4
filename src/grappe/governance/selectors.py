"""Reading governance: the statutes in force on a date, their rules (or the refusal when unset)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from grappe.errors import NotFound
from grappe.governance import schema
from grappe.governance.errors import NotSetByStatutes
from grappe.governance.models import Statutes
from grappe.governance.rules import NOT_SET, RuleNotSet
from grappe.registry.models import Association


def statutes_in_force(association: Association, on: datetime.date) -> Statutes:
    """The version adopted last on or before ``on``."""
    found = (
        Statutes.objects.filter(association=association, adopted_on__lte=on)
        .order_by("-adopted_on", "-version")
        .first()
    )
    if found is None:
        raise NotFound(
            _("Aucuns statuts de %(association)s en vigueur le %(date)s.")
            % {"association": association, "date": on.strftime("%d/%m/%Y")},
            hint=_("Importez la version adoptée à cette date (Administration › Gouvernance › Statuts)."),
        )
    return found


def rule(statutes: Statutes, path: str) -> Any:
    """The rule at ``path`` (``assemblees.AGE.quorum``); ``NotSetByStatutes`` when the statutes leave it out."""
    value = schema.lookup(statutes.rules, path)
    if value is None:
        raise not_set(statutes, path)
    return value


def not_set(statutes: Statutes, path: str | RuleNotSet) -> NotSetByStatutes:
    name = path.path if isinstance(path, RuleNotSet) else path
    return NotSetByStatutes(
        _("%(path)s : %(not_set)s (%(statutes)s).")
        % {"path": name, "not_set": NOT_SET, "statutes": statutes},
        hint=_("Une nouvelle version des statuts doit le fixer ; aucune valeur n'est supposée à leur place."),
    )


def active_transitions(statutes: Statutes, body_code: str, on: datetime.date) -> list[dict[str, Any]]:
    """The transitional clauses of ``statutes`` about ``body_code`` still running on ``on`` (until inclusive)."""
    iso = on.isoformat()
    return [
        clause
        for clause in statutes.rules.get("dispositions_transitoires", [])
        if clause["organe"] == body_code and statutes.adopted_on.isoformat() <= iso <= clause["jusqu_au"]
    ]


def body_size(statutes: Statutes, body_code: str, on: datetime.date) -> dict[str, int]:
    """``{"min": …, "max": …}`` seats of a body on ``on``: a running transitional clause's size first."""
    for clause in active_transitions(statutes, body_code, on):
        if "taille" in clause:
            return dict(clause["taille"])
    return dict(rule(statutes, f"organes.{body_code}.taille"))


# What a statutes page lists, in this order: (path, label). Each reads « non fixé par les statuts » when unset.
SUMMARY_PATHS = (
    ("adoption.date", "Date d'adoption"),
    ("adoption.assemblee", "Assemblée qui les a adoptés"),
    ("eligibilite.candidature", "Conditions pour être candidat"),
    ("eligibilite.vote", "Conditions pour voter"),
    ("procurations.autorisees", "Procurations autorisées"),
    ("procurations.plafond_par_porteur", "Procurations par porteur, au plus"),
    ("procurations.porteur_present", "Le porteur doit être présent"),
    ("repartition_territoriale.methode", "Méthode de répartition territoriale"),
    ("repartition_territoriale.sieges", "Sièges territoriaux"),
    ("repartition_territoriale.minimum_par_territoire", "Sièges au minimum par territoire"),
)


def summary(statutes: Statutes) -> list[tuple[str, str, Any]]:
    """(path, label, value or « non fixé par les statuts ») for the page and the admin: every body, every
    assembly type's quorum and delays, then ``SUMMARY_PATHS``."""
    rows: list[tuple[str, str, Any]] = []
    for code, body in statutes.rules.get("organes", {}).items():
        for key, label in (
            ("taille", "taille"),
            ("mandat_ans", "durée du mandat (ans)"),
            ("renouvellement", "renouvellement"),
        ):
            path = f"organes.{code}.{key}"
            rows.append((path, f"{body['nom']} : {label}", schema.shown(statutes.rules, path)))
    for code in statutes.rules.get("assemblees", {}):
        for key, label in (("quorum", "quorum"), ("seconde_convocation", "seconde convocation")):
            path = f"assemblees.{code}.{key}"
            rows.append((path, f"{code} : {label}", schema.shown(statutes.rules, path)))
        path = f"convocation.{code}"
        rows.append((path, f"{code} : délai de convocation (jours)", schema.shown(statutes.rules, path)))
    rows += [(path, label, schema.shown(statutes.rules, path)) for path, label in SUMMARY_PATHS]
    return rows
