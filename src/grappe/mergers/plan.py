"""Planning a merger: import the absorbed association's export, link its members to the absorber's, and store the
candidate pairs (evidence, conflicts, decisions carried over or remembered), the proposed membership-type
mapping and the summary. Status "planned".

The web's upload → column mapping → background job around ``plan_merger`` is ``grappe.mergers.planning``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.chunks import chunked
from grappe.errors import UserError
from grappe.france.text import fold
from grappe.linkage import LinkageSettings, deduplicate, link
from grappe.mergers import records as linkage_records
from grappe.mergers import selectors, signals
from grappe.mergers.access import MergerRefused, audit, check_can_manage, check_status
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, MergerJob, PairDecision
from grappe.mergers.projections import member_ids, new_members, projection, survivors
from grappe.registry.models import (
    Association,
    Membership,
    MembershipType,
    SourceFile,
)

Progress = Callable[[str, int, int | None], None]


def plan_merger(
    *,
    absorbing: Association,
    absorbed: Association,
    effective_on: datetime.date,
    user: Any = None,
    kind: str = Merger.Kind.ABSORPTION,
    vote_on: datetime.date | None = None,
    resulting_name: str = "",
    keep_name_as_brand: bool = False,
    path: Path | None = None,
    file_name: str | None = None,
    sheet: str | None = None,
    mapping: dict[int, str] | None = None,
    settings: LinkageSettings | None = None,
    progress: Progress | None = None,
    skip_invalid: bool = False,
    on_issue: Callable[[Any], None] | None = None,
    country: str = "FR",
) -> Merger:
    """Import the absorbed association's export if ``path`` is given and new, link its members to the
    absorber's, and store the plan (candidate pairs and summary). Returns the merger, status "planned".

    ``mapping``, ``skip_invalid``, ``on_issue`` and ``country`` (the default country of the export's rows) go
    to the import (``grappe.intake.services.import_file``)."""
    check_can_manage(user, whole_network=True)
    check_plannable(absorbing=absorbing, absorbed=absorbed, kind=kind, resulting_name=resulting_name)
    settings = settings or LinkageSettings()
    # The import and the plan are one transaction: a plan that fails, or a process stopped half-way, leaves the
    # registry as it was (the export not imported either), and the same plan can simply be run again.
    with transaction.atomic():
        source_file = (
            _import_export(
                absorbed,
                path,
                file_name=file_name,
                sheet=sheet,
                mapping=mapping,
                user=user,
                progress=progress,
                skip_invalid=skip_invalid,
                on_issue=on_issue,
                country=country,
            )
            if path
            else None
        )
        merger = Merger.objects.create(
            absorbing=absorbing,
            absorbed=absorbed,
            kind=kind,
            vote_on=vote_on,
            effective_on=effective_on,
            resulting_name=resulting_name,
            keep_name_as_brand=keep_name_as_brand,
            source_file=source_file,
            settings=settings.to_dict(),
            created_by=user,
        )
        _run_plan(merger, settings=settings, progress=progress)
        audit(merger, user, AuditEntry.Action.PLAN, counts=merger.summary["counts"])
        _follow_abandoned_plan(merger, user)
    return merger


def _follow_abandoned_plan(merger: Merger, user: Any) -> None:
    """Tell the apps built on mergers when this plan takes over from an abandoned one of the same networks (a
    deduplication is no merger of networks: nothing follows it)."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return
    abandoned = (
        Merger.objects.filter(
            absorbing=merger.absorbing,
            absorbed=merger.absorbed,
            kind=merger.kind,
            status=Merger.Status.ABANDONED,
        )
        .order_by("-abandoned_at", "-pk")
        .first()
    )
    if abandoned is not None:
        signals.replanned.send(sender=Merger, abandoned=abandoned, merger=merger, user=user)


def plan_deduplication(
    *,
    association: Association,
    user: Any = None,
    effective_on: datetime.date | None = None,
    settings: LinkageSettings | None = None,
    progress: Progress | None = None,
) -> Merger:
    """A network folding the duplicates of its own registry: a merger of the association with itself."""
    return plan_merger(
        absorbing=association,
        absorbed=association,
        effective_on=effective_on or timezone.localdate(),
        user=user,
        kind=Merger.Kind.DEDUPLICATION,
        settings=settings,
        progress=progress,
    )


def replan_merger(
    *,
    merger: Merger,
    user: Any = None,
    settings: LinkageSettings | None = None,
    progress: Progress | None = None,
) -> Merger:
    """Run the linkage again (new settings, new decisions remembered); decisions already taken are kept,
    and the engine learns from them: every accepted or rejected pair refines its model (the « recalculer
    avec mes décisions » action)."""
    check_can_manage(user, whole_network=True)
    with transaction.atomic():
        # Locked as apply, abandon and the review lock it: a decision taken while the plan is computed again
        # waits for the new pairs instead of landing on a pair about to be replaced.
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        check_status(merger, Merger.Status.PLANNED, "replan")
        settings = settings or LinkageSettings.from_dict(merger.settings)
        merger.settings = settings.to_dict()
        _run_plan(merger, settings=settings, progress=progress)
        audit(merger, user, AuditEntry.Action.PLAN, counts=merger.summary["counts"], replan=True)
    return merger


def check_plannable(*, absorbing: Association, absorbed: Association, kind: str, resulting_name: str) -> None:
    if kind not in Merger.Kind.values:
        raise MergerRefused(
            _("Type de fusion inconnu : « %(kind)s ».") % {"kind": kind},
            hint=_("Types : %(kinds)s.") % {"kinds": ", ".join(Merger.Kind.values)},
        )
    if kind == Merger.Kind.DEDUPLICATION:
        if absorbing.pk != absorbed.pk:
            raise MergerRefused(_("Un dédoublonnage porte sur une seule association."))
        pending = Merger.objects.filter(kind=kind, absorbed=absorbed, status__in=_PENDING).first()
        if pending:
            raise MergerRefused(
                _(
                    "Le dédoublonnage n° %(id)s de « %(association)s » est déjà préparé : un second poserait les "
                    "mêmes questions."
                )
                % {"id": pending.pk, "association": absorbed},
                hint=_(
                    "Reprenez-le (grappe merge show %(id)s), recalculez-le si le registre a changé, ou "
                    "abandonnez son plan (grappe merge abandon %(id)s)."
                )
                % {"id": pending.pk},
            )
    elif absorbing.pk == absorbed.pk:
        raise MergerRefused(
            _("« %(association)s » ne peut pas s'absorber elle-même.") % {"association": absorbed}
        )
    for association in {absorbing, absorbed}:
        if association.status != Association.Status.ACTIVE:
            status = association.get_status_display()
            if association.absorbed_on:
                status = _("%(status)s le %(date)s") % {
                    "status": status,
                    "date": date_format(association.absorbed_on, "SHORT_DATE_FORMAT"),
                }
            raise MergerRefused(
                _("« %(association)s » n'est plus active (%(status)s) : aucune fusion ne peut la concerner.")
                % {"association": association, "status": status},
                hint=_(
                    "Annulez d'abord la fusion qui l'a absorbée (grappe merge undo) si c'était une erreur."
                ),
            )
    if kind == Merger.Kind.FUSION and not resulting_name.strip():
        raise MergerRefused(_("Une fusion crée une nouvelle association : donnez son nom."))
    if kind == Merger.Kind.FUSION and Association.objects.filter(name=resulting_name.strip()).exists():
        raise MergerRefused(
            _("Une association s'appelle déjà « %(name)s » : choisissez un autre nom.")
            % {"name": resulting_name}
        )
    if kind != Merger.Kind.DEDUPLICATION:
        live = (
            Merger.objects.filter(absorbed=absorbed, status__in=_LIVE)
            .exclude(kind=Merger.Kind.DEDUPLICATION)
            .first()
        )
        if live:
            raise MergerRefused(
                _(
                    "La fusion n° %(id)s (%(merger)s) existe déjà (%(status)s) : « %(absorbed)s » ne peut pas "
                    "être absorbée deux fois."
                )
                % {"id": live.pk, "merger": live, "status": live.get_status_display(), "absorbed": absorbed},
                hint=(
                    _("Annulez-la d'abord (grappe merge undo %(id)s) si c'était une erreur.")
                    if live.status == Merger.Status.APPLIED
                    else _(
                        "Reprenez la fusion n° %(id)s (grappe merge show %(id)s) ou abandonnez son plan "
                        "(grappe merge abandon %(id)s)."
                    )
                )
                % {"id": live.pk},
            )


_PENDING = (Merger.Status.DRAFT, Merger.Status.PLANNED)
_LIVE = (*_PENDING, Merger.Status.APPLIED)


def abandon_plan(*, merger: Merger, user: Any = None) -> Merger:
    """Drop a plan that will not be applied (a wrong export, a merger called off, a registry changed since): the
    registry never changed, so nothing is restored. The merger stays, read-only, with its pairs and journal;
    the decisions taken in its review stay remembered for the next plan of the same organisations
    (``PairDecision``), and the absorbed network may be planned again."""
    check_can_manage(user, whole_network=True)
    with transaction.atomic():
        # Locked as apply locks it: an apply queued before this runs finds the plan abandoned and refuses.
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        check_status(merger, Merger.Status.PLANNED, "abandon")
        running = selectors.running_action(merger)
        if running is not None and running.action == MergerJob.Action.APPLY:
            raise MergerRefused(
                _("La fusion n° %(id)s est en cours d'application : son plan ne peut plus être abandonné.")
                % {"id": merger.pk},
                hint=_("Attendez la fin de l'application, puis annulez la fusion si c'était une erreur."),
            )
        merger.status = Merger.Status.ABANDONED
        merger.abandoned_by = user if user is not None and user.is_authenticated else None
        merger.abandoned_at = timezone.now()
        merger.save(update_fields=["status", "abandoned_by", "abandoned_at"])
        audit(merger, user, AuditEntry.Action.ABANDON, counts=merger.summary.get("counts", {}))
    return merger


def imported_export(absorbed: Association, table: Any) -> SourceFile | None:
    """The ``SourceFile`` of ``table`` (an ``open_table`` result) when it was already imported into
    ``absorbed``; None when it is new; refused when another association imported it."""
    existing = SourceFile.objects.filter(sha256=table.sha256, sheet=table.sheet).first()
    if existing is not None and existing.association_id != absorbed.pk:
        raise MergerRefused(
            _("Le fichier « %(file)s » a déjà été importé pour « %(other)s », pas pour « %(absorbed)s ».")
            % {"file": table.file_name, "other": existing.association, "absorbed": absorbed},
            hint=_("Vérifiez le fichier ou l'association absorbée (--absorbed)."),
        )
    return existing


def _import_export(
    absorbed: Association,
    path: Path,
    *,
    file_name: str | None,
    sheet: str | None,
    mapping: dict[int, str] | None,
    user: Any,
    progress: Progress | None,
    skip_invalid: bool,
    on_issue: Callable[[Any], None] | None,
    country: str,
) -> SourceFile:
    """The absorbed association's export, imported with the intake (all-or-nothing) unless already there."""
    from grappe.intake.reading import open_table
    from grappe.intake.services import import_file

    table = open_table(path, file_name=file_name, sheet=sheet)
    existing = imported_export(absorbed, table)
    if existing is not None:
        return existing
    result = import_file(
        path=path,
        association=absorbed,
        mapping=mapping,
        user=user,
        file_name=file_name,
        sheet=sheet,
        skip_invalid=skip_invalid,
        progress=progress,
        on_issue=on_issue,
        country=country,
    )
    audit(
        None,
        user,
        AuditEntry.Action.IMPORT,
        file=table.file_name,
        association=absorbed.name,
        rows=result.imported_rows,
    )
    assert result.source_file is not None  # an import that is not a dry run keeps its file
    return result.source_file


def _run_plan(merger: Merger, *, settings: LinkageSettings, progress: Progress | None) -> None:
    """Link, keep one row per pair of organisations, and store the candidate pairs and the summary."""
    say = progress or (lambda stage, done, total: None)
    say("records", 0, None)
    members = _members(merger)
    remembered = _remembered_decisions(members.new | members.absorber)
    result = _link(members, settings=settings, remembered=remembered, say=say)
    kept = _best_rows(members, result)
    say("pairs", 0, len(kept))
    previous = {(p.left_org_id, p.right_org_id): p for p in merger.pairs.all()}
    merger.pairs.all().delete()
    pairs = _candidate_pairs(
        merger, kept, members.absorber, result, previous=previous, remembered=remembered, say=say
    )
    CandidatePair.objects.bulk_create(pairs)
    say("pairs", len(pairs), len(pairs))
    merger.status = Merger.Status.PLANNED
    merger.planned_at = timezone.now()
    merger.membership_type_mapping = merger.membership_type_mapping or proposed_type_mapping(merger)
    merger.summary = _summary(merger, pairs, members.absorbed, members.absorber, members.common, result)
    merger.save()


@dataclass(frozen=True)
class _Members:
    """Who a plan links: the absorbed association's current members that are not already the absorber's
    (``new``) against the absorber's (none for a deduplication), with the linkage records of both."""

    absorbed: set[int]
    absorber: set[int]
    common: set[int]
    new: set[int]
    new_records: list[dict[str, Any]]
    registry_records: list[dict[str, Any]]


def _members(merger: Merger) -> _Members:
    absorbed_ids = member_ids(merger.absorbed)
    dedup = merger.kind == Merger.Kind.DEDUPLICATION
    absorber_ids = set() if dedup else member_ids(merger.absorbing)
    common = absorbed_ids & absorber_ids
    new_ids = absorbed_ids - common
    return _Members(
        absorbed=absorbed_ids,
        absorber=absorber_ids,
        common=common,
        new=new_ids,
        new_records=linkage_records.organisation_records(new_ids),
        registry_records=linkage_records.organisation_records(absorber_ids),
    )


def _link(
    members: _Members, *, settings: LinkageSettings, remembered: list[tuple[int, int, str]], say: Progress
) -> Any:
    """The linkage result — the new members against the absorber's, or among themselves for a deduplication —
    taught by the remembered decisions; None when there is nothing to compare."""
    new_records, registry_records = members.new_records, members.registry_records
    decisions = linkage_records.pair_decision_records(remembered, [*new_records, *registry_records])

    def linkage_progress(stage: str) -> None:
        say(f"linkage:{stage}", 0, None)

    if not (len(new_records) > 1 or (new_records and registry_records)):
        return None
    if registry_records:
        return link(
            new_records,
            registry_records,
            settings=settings,
            decisions=decisions or None,
            progress=linkage_progress,
        )
    return deduplicate(new_records, settings=settings, decisions=decisions or None, progress=linkage_progress)


def _best_rows(members: _Members, result: Any) -> dict[tuple[int, int], dict[str, Any]]:
    """One row per pair of organisations (the linkage compares sites): the most probable, with the closest band
    of all (``_merge_band``), oriented new → absorber (or lower → higher id between two new members). Pairs of two
    absorber members, and non-matches nobody decided, are left out."""
    rows: list[dict[str, Any]] = result.pairs.to_pylist() if result is not None else []
    absorber_ids, new_ids = members.absorber, members.new
    org_of = {
        r["record_id"]: linkage_records.record_org_id(r["organisation_id"])
        for r in [*members.new_records, *members.registry_records]
    }
    best: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        a, b = org_of[row["left_id"]], org_of[row["right_id"]]
        if a == b:
            continue
        if a in absorber_ids and b in absorber_ids:
            continue
        if (b in new_ids and a in absorber_ids) or (a in new_ids and b in new_ids and a > b):
            a, b = b, a
            row = {**row, "left_id": row["right_id"], "right_id": row["left_id"]}
        key = (a, b)
        current = best.get(key)
        row["_band"] = _merge_band(current["_band"] if current else None, row["band"])
        if current is None or row["match_probability"] > current["match_probability"]:
            best[key] = row
        else:
            current["_band"] = row["_band"]
    return {key: row for key, row in best.items() if row["_band"] != "non_match" or row["decision"]}


def _candidate_pairs(
    merger: Merger,
    kept: dict[tuple[int, int], dict[str, Any]],
    absorber_ids: set[int],
    result: Any,
    *,
    previous: dict[tuple[int, int], CandidatePair],
    remembered: list[tuple[int, int, str]],
    say: Progress,
) -> list[CandidatePair]:
    """The plan's pairs (not saved), most probable first: labels and values of both organisations, evidence,
    conflicts, the engine's question rank, and the decision carried over from the previous run or remembered."""
    values = linkage_records.organisation_values({org for key in kept for org in key})
    memory = {(low, high): decision for low, high, decision in remembered}
    targets: dict[int, set[int]] = defaultdict(set)
    for (a, b), row in kept.items():
        if b in absorber_ids and row["_band"] != "non_match":
            targets[a].add(b)
    questions = {
        frozenset(pair): rank for rank, pair in enumerate(result.questions() if result is not None else [])
    }
    pairs = []
    for done, ((a, b), row) in enumerate(
        sorted(kept.items(), key=lambda item: -item[1]["match_probability"])
    ):
        pair = CandidatePair(
            merger=merger,
            kind=CandidatePair.Kind.CROSS if b in absorber_ids else CandidatePair.Kind.INTERNAL,
            left_org_id=a,
            right_org_id=b,
            left_record_id=row["left_id"],
            right_record_id=row["right_id"],
            left_label=_label(values.get(a)),
            right_label=_label(values.get(b)),
            left_values=values.get(a, {}),
            right_values=values.get(b, {}),
            match_probability=float(row["match_probability"]),
            match_weight=float(row["match_weight"]),
            band=_BANDS[row["_band"]],
            identifier_rule=row.get("identifier_rule") or "",
            question_rank=questions.get(frozenset((row["left_id"], row["right_id"]))),
            evidence=_evidence(result, row) if result is not None else [],
            conflicts=_conflicts(row, values.get(a, {}), values.get(b, {}), several=len(targets[a]) > 1),
        )
        _carry_decision(pair, previous.get((a, b)), memory.get((min(a, b), max(a, b))))
        pairs.append(pair)
        if done % 50 == 0:
            say("pairs", done, len(kept))
    return pairs


_BANDS = {
    "match": CandidatePair.Band.AUTO_MATCH,
    "review": CandidatePair.Band.REVIEW,
    "non_match": CandidatePair.Band.NON_MATCH,
}


_BAND_RANK = {"non_match": 0, "review": 1, "match": 2}


def _merge_band(current: str | None, new: str) -> str:
    """Two organisations are as close as their closest sites; a person's "non_match" on any pair wins."""
    if current is None:
        return new
    return max(current, new, key=_BAND_RANK.__getitem__)


def _label(values: dict[str, Any] | None) -> str:
    if not values:
        return "?"
    place = values["places"][0] if values.get("places") else ""
    ident = values.get("siren") or ""
    return " — ".join(part for part in (values["name"], place, ident) if part)[:300]


def _evidence(result: Any, row: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        explanation = result.explain(row["left_id"], row["right_id"])
    except UserError:
        return []
    return [
        {key: value for key, value in record.items() if key != "bayes_factor"}
        for record in explanation.records()
        if record["kind"] in ("field", "rule")
    ]


def _conflicts(
    row: dict[str, Any], left: dict[str, Any], right: dict[str, Any], *, several: bool
) -> list[str]:
    found = []
    if row.get("identifier_rule") == "siren_conflict" or (
        left.get("siren") and right.get("siren") and left["siren"] != right["siren"]
    ):
        found.append("siren_conflict")
    elif not (left.get("siren") and right.get("siren")):
        left_units = {siret[:9] for siret in left.get("sirets", ())}
        right_units = {siret[:9] for siret in right.get("sirets", ())}
        if left_units and right_units and not left_units & right_units:
            found.append("siret_conflict")
    if several:
        found.append("several_targets")
    return found


def _carry_decision(pair: CandidatePair, previous: CandidatePair | None, remembered: str | None) -> None:
    if previous is not None and previous.decision != CandidatePair.Decision.PENDING:
        pair.decision, pair.decided_by_id = previous.decision, previous.decided_by_id
        pair.decided_by_label, pair.decided_at = previous.decided_by_label, previous.decided_at
        return
    if remembered is None:
        return
    memory = PairDecision.objects.filter(
        low_org_id=min(pair.left_org_id, pair.right_org_id),
        high_org_id=max(pair.left_org_id, pair.right_org_id),
    ).first()
    pair.decision = (
        CandidatePair.Decision.REJECTED if remembered == "non_match" else CandidatePair.Decision.ACCEPTED
    )
    if memory is not None:
        pair.decided_by_id, pair.decided_at = memory.decided_by_id, memory.decided_at
        pair.decided_by_label = f"{memory.decided_by_label} (décision mémorisée)"


def _remembered_decisions(org_ids: set[int]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    # The chunk is bound twice in one statement: 2 × 400 stays under SQLite's oldest limit (999).
    for chunk in chunked(sorted(org_ids), 400):
        found += PairDecision.objects.filter(Q(low_org_id__in=chunk) | Q(high_org_id__in=chunk)).values_list(
            "low_org_id", "high_org_id", "decision"
        )
    return [row for row in dict.fromkeys(found) if row[0] in org_ids and row[1] in org_ids]


# -- membership types --------------------------------------------------------------------------------------


def types_in_use(association: Association) -> list[str]:
    """The names of the membership types ``association``'s memberships hold, sorted."""
    return sorted(
        set(
            Membership.objects.filter(association=association)
            .exclude(membership_type=None)
            .values_list("membership_type__name", flat=True)
        )
    )


def proposed_type_mapping(merger: Merger) -> dict[str, str]:
    """Each membership type of the absorbed association (by name, as its members hold them) → the absorber's
    type of the same folded name, else itself (apply then creates it at the absorber, like the absorbed one).
    The user confirms or changes it before apply (``set_membership_type_mapping``)."""
    absorber = MembershipType.objects.filter(association=merger.absorbing).order_by("order", "name", "pk")
    theirs: dict[str, str] = {}
    for name in absorber.values_list("name", flat=True):
        theirs.setdefault(fold(name), name)
    return {name: theirs.get(fold(name), name) for name in types_in_use(merger.absorbed)}


# -- summary -----------------------------------------------------------------------------------------------


def _summary(
    merger: Merger,
    pairs: list[CandidatePair],
    absorbed_ids: set[int],
    absorber_ids: set[int],
    common: set[int],
    result: Any,
) -> dict[str, Any]:
    cross = [p for p in pairs if p.kind == CandidatePair.Kind.CROSS]
    internal = [p for p in pairs if p.kind == CandidatePair.Kind.INTERNAL]
    counts = {
        "absorbed_members": len(absorbed_ids),
        "absorber_members": len(absorber_ids),
        "already_common": len(common),
        "sure_matches": sum(p.band == CandidatePair.Band.AUTO_MATCH for p in cross),
        "to_review": sum(p.band == CandidatePair.Band.REVIEW for p in pairs),
        # As apply would count them now: each group of duplicates once, the pairs to review left apart.
        "new_members": len(new_members(merger, survivors(merger, pairs))),
        "conflicts": sum(bool(p.conflicts) for p in pairs),
        "internal_duplicates": sum(p.band == CandidatePair.Band.AUTO_MATCH for p in internal),
        "non_matches": sum(p.band == CandidatePair.Band.NON_MATCH for p in pairs),
    }
    return {
        "counts": counts,
        # Members of both networks that the import already made one organisation (same SIREN or SIRET): the
        # report lists them with the overlaps, though no candidate pair names them.
        "common": sorted(common),
        **projection(merger, pairs),
        "membership_types": sorted(merger.membership_type_mapping),
        "linkage": {
            key: value
            for key, value in (result.stats if result is not None else {}).items()
            if _jsonable(value)
        },
    }


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | dict | list) or value is None
