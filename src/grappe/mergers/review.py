"""Reviewing a planned merger: a reviewer's decision on a pair (remembered for later plans), accepting every
pair above a threshold, decisions exported to and imported from CSV, and the confirmation of how the absorbed
association's membership types become the absorber's. Apply refuses while pairs or types are left undecided.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import exports
from grappe.errors import Location, UserError
from grappe.france.text import fold
from grappe.mergers import selectors
from grappe.mergers.access import (
    MergerRefused,
    actor_label,
    audit,
    check_can_manage,
    check_pair_in_scope,
    check_status,
)
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, MergerJob, PairDecision
from grappe.mergers.plan import proposed_type_mapping
from grappe.registry.models import (
    MembershipType,
)

# -- pair decisions ----------------------------------------------------------------------------------------


_DECISION_WORDS = {
    "accepted": CandidatePair.Decision.ACCEPTED,
    "accept": CandidatePair.Decision.ACCEPTED,
    "oui": CandidatePair.Decision.ACCEPTED,
    "yes": CandidatePair.Decision.ACCEPTED,
    "match": CandidatePair.Decision.ACCEPTED,
    "rejected": CandidatePair.Decision.REJECTED,
    "reject": CandidatePair.Decision.REJECTED,
    "non": CandidatePair.Decision.REJECTED,
    "no": CandidatePair.Decision.REJECTED,
    "non_match": CandidatePair.Decision.REJECTED,
    "skipped": CandidatePair.Decision.SKIPPED,
    "skip": CandidatePair.Decision.SKIPPED,
    "pending": CandidatePair.Decision.PENDING,
    "": CandidatePair.Decision.PENDING,
}


def decide_pair(*, pair: CandidatePair, decision: str, user: Any) -> CandidatePair:
    """Record a reviewer's decision (accepted, rejected, skipped or back to pending), remembered for later runs."""
    check_can_manage(user)
    check_pair_in_scope(user, pair)
    wanted = _decision(decision)
    check_not_recomputing(pair.merger_id)
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=pair.merger_id)
        check_status(merger, Merger.Status.PLANNED, "review")
        if not selectors.pair_exists(pair.pk):
            raise pair_replaced(merger.pk)
        _set_decision([pair], wanted, user)
        audit(merger, user, AuditEntry.Action.DECIDE, pair=pair.pk, decision=wanted, pair_label=str(pair))
    return pair


def pair_replaced(merger_id: int) -> MergerRefused:
    """The refusal of a decision on a pair the plan, computed again since the page was opened, replaced."""
    return MergerRefused(
        _(
            "Le plan de la fusion n° %(id)s a été recalculé : cette paire n'y est plus. Les décisions déjà "
            "prises sont gardées ; reprenez la file de revue."
        )
        % {"id": merger_id}
    )


def check_not_recomputing(merger_id: int) -> None:
    """Decisions wait while the plan is computed again (its pairs are about to be replaced): refused at once,
    rather than held for the minute the new plan takes."""
    running = selectors.running_action(Merger(pk=merger_id))
    if running is not None and running.action == MergerJob.Action.RECOMPUTE:
        raise MergerRefused(
            _(
                "Le plan de la fusion n° %(id)s est en cours de calcul : les décisions reprennent dès qu'il est prêt."
            )
            % {"id": merger_id},
            hint=_("Les décisions déjà prises sont gardées et nourrissent le nouveau calcul."),
        )


def _in_every_language(labels: dict[str, Any]) -> dict[str, str]:
    """Folded label, in each of the interface's languages, → its code: a file exported in English imports
    on a French page, and the reverse."""
    found: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({fold(str(label)): code for code, label in labels.items()})
    return found


def _decision(value: str) -> str:
    key = (value or "").strip().lower()
    if key in _DECISION_WORDS:
        return _DECISION_WORDS[key]
    # The labels the decisions file shows (« même entreprise », "same company"), in any of the languages.
    by_label = _in_every_language(dict(CandidatePair.Decision.choices))
    if fold(value) in by_label:
        return by_label[fold(value)]
    raise UserError(
        _("Décision inconnue : « %(value)s ».") % {"value": value},
        hint=_("Décisions : %(labels)s (ou oui/non).")
        % {"labels": ", ".join(f"« {label} »" for label in CandidatePair.Decision.labels)},
    )


def _set_decision(pairs: list[CandidatePair], decision: str, user: Any) -> None:
    now = timezone.now()
    for pair in pairs:
        pair.decision = decision
        pair.decided_by = user if decision != CandidatePair.Decision.PENDING else None
        pair.decided_by_label = actor_label(user) if decision != CandidatePair.Decision.PENDING else ""
        pair.decided_at = now if decision != CandidatePair.Decision.PENDING else None
        low, high = sorted((pair.left_org_id, pair.right_org_id))
        if decision in (CandidatePair.Decision.ACCEPTED, CandidatePair.Decision.REJECTED):
            remembered = (
                PairDecision.Decision.MATCH
                if decision == CandidatePair.Decision.ACCEPTED
                else PairDecision.Decision.NON_MATCH
            )
            PairDecision.objects.update_or_create(
                low_org_id=low,
                high_org_id=high,
                defaults={
                    "decision": remembered,
                    "merger_id": pair.merger_id,
                    "decided_by": user,
                    "decided_by_label": actor_label(user),
                    "low_label": pair.left_label if low == pair.left_org_id else pair.right_label,
                    "high_label": pair.right_label if high == pair.right_org_id else pair.left_label,
                },
            )
        else:
            PairDecision.objects.filter(low_org_id=low, high_org_id=high, merger_id=pair.merger_id).delete()
    CandidatePair.objects.bulk_update(pairs, ["decision", "decided_by", "decided_by_label", "decided_at"])


def accept_above(*, merger: Merger, threshold: float, user: Any) -> int:
    """Accept every pending pair to review whose probability is at least ``threshold``; returns how many."""
    check_can_manage(user, whole_network=True)
    if not 0 < threshold <= 1:
        raise UserError(
            _("Seuil %(threshold)s invalide : il faut un nombre entre 0 et 1 (ex. 0.9).")
            % {"threshold": threshold}
        )
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        check_status(merger, Merger.Status.PLANNED, "review")
        pairs = list(merger.pairs.filter(CandidatePair.undecided(), match_probability__gte=threshold))
        _set_decision(pairs, CandidatePair.Decision.ACCEPTED, user)
        audit(merger, user, AuditEntry.Action.BULK_ACCEPT, threshold=threshold, accepted=len(pairs))
    return len(pairs)


def undecided_pairs(merger: Merger) -> Any:
    return merger.pairs.filter(CandidatePair.undecided())


# -- decisions as CSV --------------------------------------------------------------------------------------


DECISION_COLUMNS = (
    "pair_id",
    "absorbed_org",
    "absorber_org",
    "absorbed_name",
    "absorber_name",
    "probability",
    # Read only, never imported: the band, and what became of the pair (a sure pair is merged though nobody
    # decided it, so its decision stays « en attente »). The decision stays last: the column people fill in.
    "band",
    "outcome",
    "decision",
)
# The columns as people read them, in the interface's language. An import takes these headers in any of the
# interface's languages, or the column codes above (files exported before the headers were translated).
DECISION_HEADERS: dict[str, Any] = {
    "pair_id": gettext_lazy("n° de paire"),
    "absorbed_org": gettext_lazy("n° de l'organisation apportée"),
    "absorber_org": gettext_lazy("n° de l'organisation rapprochée"),
    "absorbed_name": gettext_lazy("organisation apportée"),
    "absorber_name": gettext_lazy("organisation rapprochée"),
    "probability": gettext_lazy("probabilité"),
    "band": gettext_lazy("bande"),
    "outcome": gettext_lazy("résultat"),
    "decision": gettext_lazy("décision"),
}


def export_decisions(*, merger: Merger, stream: TextIO) -> int:
    writer = exports.SafeWriter(stream)
    writer.writerow([str(DECISION_HEADERS[code]) for code in DECISION_COLUMNS])
    pairs = merger.pairs.exclude(
        band=CandidatePair.Band.NON_MATCH, decision=CandidatePair.Decision.PENDING
    ).order_by("pk")
    applied = merger.status == Merger.Status.APPLIED
    kept_apart = set((merger.outcome or {}).get("kept_apart", []))
    count = 0
    for pair in pairs:
        writer.writerow(
            [
                pair.pk,
                pair.left_org_id,
                pair.right_org_id,
                pair.left_label,
                pair.right_label,
                Decimal(f"{pair.match_probability:.4f}"),  # written in the language's decimal notation
                pair.get_band_display(),
                pair.outcome(applied=applied, kept_apart=pair.pk in kept_apart),
                pair.get_decision_display(),
            ]
        )
        count += 1
    return count


def import_decisions(*, merger: Merger, path: Path, user: Any) -> int:
    """Decisions from a CSV (the export's columns): all or nothing; a bad row is reported with its line."""
    check_can_manage(user, whole_network=True)
    name = Path(path).name
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = exports.dict_reader(handle)
        codes = {fold(code): code for code in DECISION_COLUMNS} | _in_every_language(DECISION_HEADERS)
        reader.fieldnames = [codes.get(fold(column), column) for column in reader.fieldnames or []]
        missing = [str(DECISION_HEADERS[c]) for c in ("pair_id", "decision") if c not in reader.fieldnames]
        if missing:
            raise UserError(
                _("colonne(s) absente(s) : %(columns)s.") % {"columns": ", ".join(missing)},
                location=Location(file=name, line=1),
                hint=_("Colonnes attendues : %(columns)s (grappe merge decisions export).")
                % {"columns": ", ".join(str(DECISION_HEADERS[c]) for c in DECISION_COLUMNS)},
            )
        pairs = {pair.pk: pair for pair in merger.pairs.all()}
        wanted: list[tuple[CandidatePair, str]] = []
        for row in reader:
            line = reader.line_num
            try:
                pair_id = int(exports.restore((row.get("pair_id") or "").strip()))
            except ValueError:
                raise UserError(
                    _("n° de paire « %(value)s » : ce n'est pas un numéro.") % {"value": row.get("pair_id")},
                    location=Location(file=name, line=line, column=str(DECISION_HEADERS["pair_id"])),
                ) from None
            if pair_id not in pairs:
                raise UserError(
                    _("la paire n° %(pair)s n'appartient pas à la fusion n° %(id)s.")
                    % {"pair": pair_id, "id": merger.pk},
                    location=Location(file=name, line=line, column=str(DECISION_HEADERS["pair_id"])),
                )
            try:
                decision = _decision(exports.restore((row.get("decision") or "").strip()))
            except UserError as error:
                raise UserError(
                    error.message,
                    location=Location(file=name, line=line, column=str(DECISION_HEADERS["decision"])),
                    hint=error.hint,
                ) from None
            wanted.append((pairs[pair_id], decision))
    with transaction.atomic():
        locked = Merger.objects.select_for_update().get(pk=merger.pk)
        check_status(locked, Merger.Status.PLANNED, "review")
        by_decision: dict[str, list[CandidatePair]] = defaultdict(list)
        for pair, decision in wanted:
            if pair.decision != decision:
                by_decision[decision].append(pair)
        for decision, chosen in by_decision.items():
            _set_decision(chosen, decision, user)
        changed = sum(len(v) for v in by_decision.values())
        audit(locked, user, AuditEntry.Action.IMPORT_DECISIONS, file=name, rows=len(wanted), changed=changed)
    return changed


# -- membership types --------------------------------------------------------------------------------------


_TYPE_NAME_LENGTH = MembershipType._meta.get_field("name").max_length or 80


def set_membership_type_mapping(*, merger: Merger, mapping: dict[str, str], user: Any) -> Merger:
    """Confirm how the absorbed association's membership types become the absorber's: the types ``mapping``
    names get their new target, the others keep the one shown (the proposal, or an earlier choice)."""
    check_can_manage(user, whole_network=True)
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        check_status(merger, Merger.Status.PLANNED, "edit")
        known = proposed_type_mapping(merger)
        unknown = sorted(set(mapping) - set(known))
        if unknown:
            raise UserError(
                _("Type(s) d'adhésion inconnu(s) chez « %(absorbed)s » : %(types)s.")
                % {"absorbed": merger.absorbed, "types": ", ".join(unknown)},
                hint=_("Types présents : %(types)s.") % {"types": ", ".join(known) or _("(aucun)")},
            )
        too_long = sorted(v for v in mapping.values() if len(v.strip()) > _TYPE_NAME_LENGTH)
        if too_long:
            raise UserError(
                _("Nom de type d'adhésion trop long (%(limit)d caractères au plus) : %(types)s.")
                % {"limit": _TYPE_NAME_LENGTH, "types": ", ".join(too_long)}
            )
        shown = {k: v for k, v in merger.membership_type_mapping.items() if k in known}
        merger.membership_type_mapping = {
            **known,
            **shown,
            **{k: v.strip() or k for k, v in mapping.items()},
        }
        merger.mapping_confirmed = True
        merger.save(update_fields=["membership_type_mapping", "mapping_confirmed"])
        audit(merger, user, AuditEntry.Action.MAPPING, mapping=merger.membership_type_mapping)
    return merger


def unconfirmed_types(merger: Merger) -> list[str]:
    """The absorbed association's membership types that apply would carry over without a confirmed target:
    all of them until the mapping is confirmed, then any type that appeared since. None for a deduplication."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return []
    present = proposed_type_mapping(merger)
    if not merger.mapping_confirmed:
        return sorted(present)
    return sorted(set(present) - set(merger.membership_type_mapping))


def check_membership_types(merger: Merger) -> None:
    """Refuse (``MergerRefused``) while the absorbed association's membership types have no confirmed target:
    a member's type decides its dues and its college, and nobody should find it changed by a guess."""
    missing = unconfirmed_types(merger)
    if not missing:
        return
    arguments = {
        "id": merger.pk,
        "merger": merger,
        "absorbed": merger.absorbed,
        "absorbing": merger.absorbing,
        "types": ", ".join(f"« {name} »" for name in missing),
    }
    if merger.mapping_confirmed:
        message = _(
            "La fusion n° %(id)s (%(merger)s) ne peut pas être appliquée : le type d'adhésion %(types)s de "
            "« %(absorbed)s » est apparu depuis la confirmation de la correspondance et n'a pas de type chez "
            "« %(absorbing)s »."
        )
    else:
        message = _(
            "La fusion n° %(id)s (%(merger)s) ne peut pas être appliquée : la correspondance des types "
            "d'adhésion de « %(absorbed)s » (%(types)s) vers ceux de « %(absorbing)s » n'est pas confirmée."
        )
    raise MergerRefused(
        message % arguments,
        hint=_(
            "Vérifiez-la puis confirmez-la sur la page de la fusion (section « Types d'adhésion »), ou en ligne "
            "de commande : « grappe merge mapping %(id)s --confirm » garde la correspondance affichée, "
            '« grappe merge mapping %(id)s "Ancien type=Nouveau type" » la change. Rien n\'a été modifié.'
        )
        % arguments,
    )
