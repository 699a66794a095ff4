"""How the merger workflow's codes read to people, in one place for the pages, the report, the CLI and the audit
log: plan counts, conflicts, the stages of a plan, registry fields, and the details of an audit entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# ``Merger.summary["counts"]``, in the order a reader takes them.
COUNT_LABELS: dict[str, Any] = {
    "absorbed_members": gettext_lazy("Adhérents de l'absorbée"),
    "absorber_members": gettext_lazy("Adhérents de l'absorbante"),
    "already_common": gettext_lazy("Déjà communs (même SIREN ou SIRET à l'import)"),
    "sure_matches": gettext_lazy("Rapprochements sûrs"),
    "to_review": gettext_lazy("Paires à vérifier"),
    "new_members": gettext_lazy("Nouveaux adhérents"),
    "conflicts": gettext_lazy("Conflits"),
    "internal_duplicates": gettext_lazy("Doublons dans l'export de l'absorbée"),
    "non_matches": gettext_lazy("Différentes (décisions mémorisées)"),
}

# A deduplication compares one association's members among themselves: no absorbed export, no absorbing side,
# no new members; its duplicates are the figure (« doublons internes » of a merger).
DEDUPLICATION_COUNT_LABELS: dict[str, Any] = {
    "absorbed_members": gettext_lazy("Adhérents"),
    "internal_duplicates": gettext_lazy("Doublons sûrs"),
    "to_review": gettext_lazy("Paires à vérifier"),
    "non_matches": gettext_lazy("Différentes (décisions mémorisées)"),
}


def count_labels(kind: str) -> dict[str, Any]:
    """The plan's counts a merger of this kind shows, under their names, in the order a reader takes them."""
    from grappe.mergers.models import Merger

    return DEDUPLICATION_COUNT_LABELS if kind == Merger.Kind.DEDUPLICATION else COUNT_LABELS


# ``CandidatePair.conflicts``.
CONFLICT_LABELS: dict[str, Any] = {
    "siren_conflict": gettext_lazy("Deux SIREN valides différents"),
    "siret_conflict": gettext_lazy("Des SIRET de deux unités légales différentes"),
    "several_targets": gettext_lazy("Proche de plusieurs membres de l'absorbante"),
}

# The steps of a plan as its progress reports them: the import's two passes (with a file), then the linkage.
PLAN_STEPS: list[tuple[str, Any]] = [
    ("validation", gettext_lazy("Validation du fichier")),
    ("import", gettext_lazy("Import du fichier")),
    ("records", gettext_lazy("Lecture des deux registres")),
    ("linkage", gettext_lazy("Rapprochement")),
    ("pairs", gettext_lazy("Enregistrement des paires candidates")),
]
# The stages of the steps run in the background on a merger (``grappe.mergers.actions``: apply, undo, the
# report's files, a plan computed again), in the order they run.
ACTION_STEPS: dict[str, list[tuple[str, Any]]] = {
    "apply": [
        ("checks", gettext_lazy("Vérifications")),
        ("snapshot", gettext_lazy("Instantané du registre (pour pouvoir annuler)")),
        ("organisations", gettext_lazy("Regroupement des adhérents")),
        ("associations", gettext_lazy("Types d'adhésion, contacts et association absorbée")),
        ("record", gettext_lazy("Enregistrement de l'instantané et du résultat")),
    ],
    "undo": [
        ("checks", gettext_lazy("Vérifications")),
        ("restore", gettext_lazy("Retour du registre à son état d'avant")),
        ("record", gettext_lazy("Enregistrement")),
    ],
    "report": [
        ("checks", gettext_lazy("Vérifications")),
        ("figures", gettext_lazy("Chiffres et listes du rapport")),
        ("csv", gettext_lazy("Fichier CSV")),
        ("pdf", gettext_lazy("Document PDF")),
    ],
    # A plan computed again with the decisions taken (« Recalculer avec mes décisions »): the plan's own steps.
    "recompute": [step for step in PLAN_STEPS if step[0] in ("records", "linkage", "pairs")],
}


@dataclass(frozen=True)
class ActionTexts:
    """How a background step on a merger reads on its page: its title, its breadcrumb, what the page says once
    it is done, and what it says when it failed."""

    title: Any  # « Application de la fusion »
    crumb: Any  # « Application »
    done: Any  # the message the merger's page shows once it is done
    not_done: Any  # the title of its failure
    retry: Any  # the button that starts it again


ACTION_TEXTS: dict[str, ActionTexts] = {
    "apply": ActionTexts(
        gettext_lazy("Application de la fusion"),
        gettext_lazy("Application"),
        gettext_lazy("Fusion appliquée au registre. Elle peut être annulée depuis cette page."),
        gettext_lazy("La fusion n'a pas été appliquée."),
        gettext_lazy("Relancer l'application"),
    ),
    "undo": ActionTexts(
        gettext_lazy("Annulation de la fusion"),
        gettext_lazy("Annulation"),
        gettext_lazy("Fusion annulée : le registre est revenu exactement à son état d'avant."),
        gettext_lazy("La fusion n'a pas été annulée."),
        gettext_lazy("Relancer l'annulation"),
    ),
    "report": ActionTexts(
        gettext_lazy("Préparation du rapport"),
        gettext_lazy("Rapport"),
        gettext_lazy("Rapport prêt : ses fichiers CSV et PDF sont à télécharger ci-dessous."),
        gettext_lazy("Le rapport n'a pas été préparé."),
        gettext_lazy("Relancer la préparation"),
    ),
    "recompute": ActionTexts(
        gettext_lazy("Nouveau calcul du plan"),
        gettext_lazy("Nouveau calcul"),
        gettext_lazy("Plan recalculé avec vos décisions."),
        gettext_lazy("Le plan n'a pas été recalculé."),
        gettext_lazy("Recalculer avec mes décisions"),
    ),
}

# The linkage engine's own stages ("linkage:<stage>" in the plan's progress).
LINKAGE_STAGES: dict[str, Any] = {
    "normalisation": gettext_lazy("normalisation des noms, adresses et identifiants"),
    "scoring": gettext_lazy("comparaison des paires"),
    "rules": gettext_lazy("règles d'identifiant"),
    "clustering": gettext_lazy("regroupement"),
}

# Keys of ``AuditEntry.details``.
DETAIL_LABELS: dict[str, Any] = {
    "file": gettext_lazy("Fichier"),
    "association": gettext_lazy("Association"),
    "rows": gettext_lazy("Lignes"),
    "counts": gettext_lazy("Plan"),
    "replan": gettext_lazy("Nouveau rapprochement"),
    "pair_label": gettext_lazy("Paire"),
    "pair": gettext_lazy("Paire n°"),
    "decision": gettext_lazy("Décision"),
    "threshold": gettext_lazy("Seuil"),
    "accepted": gettext_lazy("Paires acceptées"),
    "changed": gettext_lazy("Décisions modifiées"),
    "mapping": gettext_lazy("Types d'adhésion"),
    "merged": gettext_lazy("Rapprochés d'un membre existant"),
    "internal_merged": gettext_lazy("Doublons internes fusionnés"),
    "created": gettext_lazy("Nouveaux membres"),
    "people_merged": gettext_lazy("Contacts dédoublonnés"),
    "members_after": gettext_lazy("Adhérents après"),
    "error": gettext_lazy("Erreur"),
    "restored": gettext_lazy("Lignes restaurées"),
    "csv": gettext_lazy("CSV"),
    "pdf": gettext_lazy("PDF"),
}


def stage_label(stage: str) -> str:
    """« Rapprochement : comparaison des paires » for "linkage:scoring"; a stage nobody named reads as itself."""
    step, _sep, detail = stage.partition(":")
    label = str(dict(PLAN_STEPS).get(step, step))
    if detail:
        return f"{label} : {LINKAGE_STAGES.get(detail, detail)}"
    return label


def conflict_label(code: str) -> str:
    return str(CONFLICT_LABELS.get(code, code))


def field_label(code: str) -> str:
    """An organisation field's name as the registry pages show it (« Raison sociale » for "name")."""
    try:
        field = apps.get_model("registry", "Organisation")._meta.get_field(code)
    except FieldDoesNotExist:
        return code
    return str(capfirst(getattr(field, "verbose_name", code)))


def audit_details(details: Any) -> list[tuple[str, str]]:
    """An audit entry's details as (label, text) pairs a person reads; empty values are left out."""
    if not isinstance(details, Mapping):
        return [("", str(details))] if details else []
    if details.get("pair_label"):
        details = {key: value for key, value in details.items() if key != "pair"}
    order = list(DETAIL_LABELS)
    rows = []
    for key, value in sorted(details.items(), key=lambda item: _rank(order, item[0])):
        text = _detail_value(key, value)
        if text:
            rows.append((str(DETAIL_LABELS.get(key, key)), text))
    return rows


def _rank(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _detail_value(key: str, value: Any) -> str:
    from grappe.mergers.models import CandidatePair

    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if key == "decision" and value in CandidatePair.Decision.values:
        return str(CandidatePair.Decision(value).label)
    if key == "threshold" and isinstance(value, int | float):
        return f"{number_format(value * 100, decimal_pos=1)} %"
    # PostgreSQL's jsonb does not keep the keys' order: each kind of mapping reads in an order of its own.
    if key == "counts" and isinstance(value, Mapping):
        order = list(COUNT_LABELS)
        ranked = sorted(value.items(), key=lambda item: (_rank(order, item[0]), item[0]))
        return ", ".join(f"{COUNT_LABELS.get(k, k)} {v}" for k, v in ranked)
    if key == "restored" and isinstance(value, Mapping):
        return ", ".join(f"{_model_label(k)} {v}" for k, v in sorted(value.items()) if v)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} → {v}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _model_label(label: str) -> str:
    """ "registry.Organisation" → « organisations »; a label that is not a model reads as itself."""
    app_label, _dot, name = label.partition(".")
    try:
        return str(apps.get_model(app_label, name)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return name or label


def linkage_model_lines(summary: Mapping[str, Any]) -> list[str]:
    """Where the linkage model's numbers came from, for the plan: fixed defaults or measured on the data,
    and how many of the reviewer's decisions refined it."""
    linkage = summary.get("linkage") or {}
    sources = linkage.get("parameters")
    if not sources:
        return []
    records = {
        "records": number_format(
            int(linkage.get("records", 0)) + int(linkage.get("registry_records", 0)), force_grouping=True
        )
    }
    prior = {"prior": f"{float(linkage.get('prior', 0)):.3g}"}
    if sources.get("m") == "fixed":
        m_line = _("Probabilités m : valeurs par défaut du modèle (registres d'adhérents français).")
    else:
        m_line = _("Probabilités m : estimées sur les données.")
    if sources.get("u") == "estimated":
        u_line = (
            _("Probabilités u : estimées par tirage de paires au hasard (%(records)s enregistrements).")
            % records
        )
    elif sources.get("u_kept_fixed_for_a_dominant_entity"):
        u_line = _(
            "Probabilités u : valeurs par défaut (une même entreprise remplit une grande part des lignes : "
            "des paires tirées au hasard seraient souvent la même, le tirage ne mesurerait pas le hasard)."
        )
    else:
        u_line = (
            _(
                "Probabilités u : valeurs par défaut (%(records)s enregistrements : trop peu pour les mesurer)."
            )
            % records
        )
    if sources.get("prior") == "estimated":
        prior_line = _("Probabilité a priori λ : comptée sur les données (%(prior)s).") % prior
    else:
        prior_line = _("Probabilité a priori λ : tirée du taux de doublons attendu (%(prior)s).") % prior
    lines = [m_line, u_line, prior_line]
    learned = int(sources.get("decisions_learned", 0))
    if learned:
        lines.append(
            _(
                "Affiné par %(count)s décisions de la revue (%(matches)s « même entreprise ») : "
                "%(levels)s niveaux de comparaison réajustés."
            )
            % {
                "count": learned,
                "matches": sources.get("decisions_matches", 0),
                "levels": sources.get("learned_levels", 0),
            }
        )
    else:
        lines.append(_("Aucune décision de revue n'a encore affiné le modèle."))
    return lines
