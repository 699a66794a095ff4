"""State changes of the merger workflow: plan, review, apply, undo. Views, CLI and demo call these functions.

Every function checks the ``mergers.manage_merger`` permission (``user=None`` is the command line, which runs as
the system), runs atomically and writes an ``AuditEntry``. Errors are ``UserError``s that name the merger, the
problem and the fix; a refused action changes nothing.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grappe.core import audit as core_audit
from grappe.core import dependents
from grappe.core.chunks import chunked
from grappe.errors import Location, UserError
from grappe.france.text import fold
from grappe.linkage import LinkageSettings, deduplicate, link
from grappe.mergers import records as linkage_records
from grappe.mergers import snapshot as snapshots
from grappe.mergers.models import AuditEntry, CandidatePair, Merger, MergerSnapshot, PairDecision
from grappe.mergers.selectors import can_manage_mergers
from grappe.registry import services as registry_services
from grappe.registry.models import (
    Association,
    Brand,
    Establishment,
    Lineage,
    Membership,
    MembershipType,
    Office,
    Organisation,
    Person,
    Role,
    SourceFile,
    SourceRecord,
    StaffMember,
    Territory,
)
from grappe.registry.services import deduplicate_people

COMMAND_LINE = core_audit.COMMAND_LINE
Progress = Callable[[str, int, int | None], None]
Pair = CandidatePair

# Test seam: called at named points of apply (``"organisation"`` after each fold). Tests inject a crash here.
FAULT_HOOK: Callable[[str, int], None] | None = None


class MergerForbidden(UserError):
    code = "grappe.forbidden"


class MergerRefused(UserError):
    code = "grappe.merger.refused"


# -- permissions and audit ---------------------------------------------------------------------------------


def check_can_manage(user: Any) -> None:
    """Only staff with the merger right (or a superuser) act on mergers; ``None`` is the command line."""
    if user is None:
        return
    if not can_manage_mergers(user):
        raise MergerForbidden(
            _("Vous n'avez pas le droit de préparer, réviser, appliquer ou annuler une fusion."),
            hint=_(
                "Il faut un compte de l'équipe (statut « équipe ») avec la permission « Peut préparer, "
                "réviser, appliquer et annuler une fusion » : demandez-la à un administrateur."
            ),
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


# -- plan ----------------------------------------------------------------------------------------------------


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
    check_can_manage(user)
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
    return merger


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
    check_can_manage(user)
    _check_status(merger, Merger.Status.PLANNED, "replan")
    settings = settings or LinkageSettings.from_dict(merger.settings)
    with transaction.atomic():
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
                hint=_("Reprenez la fusion n° %(id)s (grappe merge show %(id)s) ou annulez-la.")
                % {"id": live.pk},
            )


_LIVE = (Merger.Status.DRAFT, Merger.Status.PLANNED, Merger.Status.APPLIED)


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


def member_ids(association: Association) -> set[int]:
    """Organisations with a current (not ended) membership of ``association``."""
    return set(
        Membership.objects.filter(association=association)
        .exclude(status=Membership.Status.ENDED)
        .values_list("organisation_id", flat=True)
    )


def _run_plan(merger: Merger, *, settings: LinkageSettings, progress: Progress | None) -> None:
    say = progress or (lambda stage, done, total: None)
    say("records", 0, None)
    absorbed_ids = member_ids(merger.absorbed)
    dedup = merger.kind == Merger.Kind.DEDUPLICATION
    absorber_ids = set() if dedup else member_ids(merger.absorbing)
    common = absorbed_ids & absorber_ids
    new_ids = absorbed_ids - common
    new_records = linkage_records.organisation_records(new_ids)
    registry_records = linkage_records.organisation_records(absorber_ids)
    remembered = _remembered_decisions(new_ids | absorber_ids)
    decisions = linkage_records.pair_decision_records(remembered, [*new_records, *registry_records])

    def linkage_progress(stage: str) -> None:
        say(f"linkage:{stage}", 0, None)

    rows: list[dict[str, Any]] = []
    result = None
    if len(new_records) > 1 or (new_records and registry_records):
        if registry_records:
            result = link(
                new_records,
                registry_records,
                settings=settings,
                decisions=decisions or None,
                progress=linkage_progress,
            )
        else:
            result = deduplicate(
                new_records, settings=settings, decisions=decisions or None, progress=linkage_progress
            )
        rows = result.pairs.to_pylist()
    org_of = {
        r["record_id"]: linkage_records.record_org_id(r["organisation_id"])
        for r in [*new_records, *registry_records]
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
    kept = {key: row for key, row in best.items() if row["_band"] != "non_match" or row["decision"]}
    say("pairs", 0, len(kept))
    previous = {(p.left_org_id, p.right_org_id): p for p in merger.pairs.all()}
    merger.pairs.all().delete()
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
    CandidatePair.objects.bulk_create(pairs)
    say("pairs", len(pairs), len(pairs))
    merger.status = Merger.Status.PLANNED
    merger.planned_at = timezone.now()
    merger.membership_type_mapping = merger.membership_type_mapping or proposed_type_mapping(merger)
    merger.summary = _summary(merger, pairs, absorbed_ids, absorber_ids, common, result)
    merger.save()


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


# -- projection: the registry before and after ------------------------------------------------------------


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


def projection(merger: Merger, pairs: Iterable[CandidatePair] | None = None) -> dict[str, Any]:
    """The member counts before and after (estimated: the pairs that would fold now — sure, or accepted)."""
    from grappe.registry.stats import active_memberships

    pairs = list(merger.pairs.all() if pairs is None else pairs)
    associations = (
        [merger.absorbing]
        if merger.kind == Merger.Kind.DEDUPLICATION
        else [merger.absorbing, merger.absorbed]
    )
    members = set(
        active_memberships().filter(association__in=associations).values_list("organisation_id", flat=True)
    )
    groups = survivors(merger, pairs)
    departements = _departements(members)
    territories = _territories_after(merger)
    before = {}
    for association in associations:
        own = set(active_memberships(association).values_list("organisation_id", flat=True))
        before[association.name] = _counts(
            {org: {org} for org in own}, departements, _territories_of(association)
        )
    folded: dict[int, set[int]] = defaultdict(set)
    for org in members:
        folded[groups.get(org, org)].add(org)
    return {"before": before, "after": _counts(folded, departements, territories)}


def survivors(merger: Merger, pairs: Iterable[CandidatePair] | None = None) -> dict[int, int]:
    """Organisation → the organisation it ends in when ``merger`` applies now: the pairs that fold (sure and
    pending, or accepted), grouped the way apply groups them. Organisations not folded are left out."""
    pairs = merger.pairs.all() if pairs is None else pairs
    anchors = set() if merger.kind == Merger.Kind.DEDUPLICATION else member_ids(merger.absorbing)
    return _groups([p for p in pairs if p.is_match], anchors)


def new_members(merger: Merger, groups: dict[int, int] | None = None) -> list[int]:
    """The organisations the absorbed association brings that are not the absorber's: its members that were not
    one organisation with an absorber member at import (same SIREN or SIRET) nor fold into one, each group of
    its own duplicates once (by its survivor). ``groups``: ``survivors(merger)`` unless given. None for a
    deduplication, which brings no one."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return []
    groups = survivors(merger) if groups is None else groups
    absorber = member_ids(merger.absorbing)
    return sorted({groups.get(org, org) for org in member_ids(merger.absorbed) - absorber} - absorber)


def plan_counts(merger: Merger) -> dict[str, int]:
    """The plan's counts (``summary["counts"]``, stored at plan time) with ``new_members`` as apply counts
    them: measured once applied, projected from the current decisions while planned."""
    counts = dict((merger.summary or {}).get("counts", {}))
    if "new_members" in (merger.outcome or {}):
        counts["new_members"] = len(merger.outcome["new_members"])
    elif counts and merger.status == Merger.Status.PLANNED:
        counts["new_members"] = len(new_members(merger))
    return counts


def _groups(pairs: list[CandidatePair], anchors: set[int]) -> dict[int, int]:
    """Union-find over matching pairs: org → its survivor. A group holds at most one ``anchors`` member (an
    absorber organisation is never merged with another); the survivor is that one, else the lowest id."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    anchor_of: dict[int, int | None] = {}
    for pair in sorted(pairs, key=lambda p: -p.match_probability):
        a, b = find(pair.left_org_id), find(pair.right_org_id)
        if a == b:
            continue
        anchor_a = anchor_of.get(a, a if a in anchors else None)
        anchor_b = anchor_of.get(b, b if b in anchors else None)
        if anchor_a is not None and anchor_b is not None:
            continue  # two absorber organisations: kept apart
        root, child = (a, b) if anchor_a is not None or (anchor_b is None and a < b) else (b, a)
        parent[child] = root
        anchor_of[root] = anchor_a if anchor_a is not None else anchor_b
    return {x: find(x) for x in list(parent)}


def _departements(org_ids: set[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in chunked(sorted(org_ids)):
        for org_id, code in (
            Establishment.objects.filter(organisation_id__in=chunk)
            .exclude(departement_code="")
            .values_list("organisation_id", "departement_code")
        ):
            found[org_id].add(code)
    return found


def _territories_of(association: Association) -> dict[str, list[str]]:
    return {t.name: list(t.departement_codes) for t in Territory.objects.filter(association=association)}


def _territories_after(merger: Merger) -> dict[str, list[str]]:
    territories = _territories_of(merger.absorbing)
    if merger.kind != Merger.Kind.DEDUPLICATION:
        for name, codes in _territories_of(merger.absorbed).items():
            territories[name] = sorted({*territories.get(name, []), *codes})
    return territories


def _counts(
    groups: dict[int, set[int]], departements: dict[int, set[str]], territories: dict[str, list[str]]
) -> dict[str, Any]:
    by_departement: dict[str, int] = defaultdict(int)
    by_territory: dict[str, int] = {name: 0 for name in sorted(territories)}
    for orgs in groups.values():
        codes = set().union(*(departements.get(org, set()) for org in orgs))
        for code in codes:
            by_departement[code] += 1
        for name, territory_codes in territories.items():
            if codes & set(territory_codes):
                by_territory[name] += 1
    return {
        "members": len(groups),
        "by_departement": dict(sorted(by_departement.items())),
        "by_territory": by_territory,
    }


# -- review --------------------------------------------------------------------------------------------------


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


# What a refused action was, as the infinitive of the refusal « Impossible de … la fusion ».
_DOING = {
    "replan": gettext_lazy("planifier à nouveau"),
    "review": gettext_lazy("réviser"),
    "edit": gettext_lazy("modifier"),
    "apply": gettext_lazy("appliquer"),
    "undo": gettext_lazy("annuler"),
}


def _check_status(merger: Merger, wanted: str, doing: str) -> None:
    if merger.status != wanted:
        raise MergerRefused(
            _(
                "Impossible de %(doing)s la fusion n° %(id)s (%(merger)s) : elle est « %(status)s », il faut "
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
    if merger.status == Merger.Status.UNDONE:
        return _("Planifiez une nouvelle fusion (grappe merge plan).")
    return ""


def decide_pair(*, pair: CandidatePair, decision: str, user: Any) -> CandidatePair:
    """Record a reviewer's decision (accepted, rejected, skipped or back to pending), remembered for later runs."""
    check_can_manage(user)
    wanted = _decision(decision)
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=pair.merger_id)
        _check_status(merger, Merger.Status.PLANNED, "review")
        _set_decision([pair], wanted, user)
        audit(merger, user, AuditEntry.Action.DECIDE, pair=pair.pk, decision=wanted, pair_label=str(pair))
    return pair


def _decision(value: str) -> str:
    key = (value or "").strip().lower()
    if key not in _DECISION_WORDS:
        raise UserError(
            _("Décision inconnue : « %(value)s ».") % {"value": value},
            hint=_("Décisions : accepted, rejected, skipped, pending (ou oui/non)."),
        )
    return _DECISION_WORDS[key]


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
    check_can_manage(user)
    if not 0 < threshold <= 1:
        raise UserError(
            _("Seuil %(threshold)s invalide : il faut un nombre entre 0 et 1 (ex. 0.9).")
            % {"threshold": threshold}
        )
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        _check_status(merger, Merger.Status.PLANNED, "review")
        pairs = list(merger.pairs.filter(CandidatePair.undecided(), match_probability__gte=threshold))
        _set_decision(pairs, CandidatePair.Decision.ACCEPTED, user)
        audit(merger, user, AuditEntry.Action.BULK_ACCEPT, threshold=threshold, accepted=len(pairs))
    return len(pairs)


_TYPE_NAME_LENGTH = MembershipType._meta.get_field("name").max_length or 80


def set_membership_type_mapping(*, merger: Merger, mapping: dict[str, str], user: Any) -> Merger:
    """Confirm how the absorbed association's membership types become the absorber's: the types ``mapping``
    names get their new target, the others keep the one shown (the proposal, or an earlier choice)."""
    check_can_manage(user)
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        _check_status(merger, Merger.Status.PLANNED, "edit")
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


DECISION_COLUMNS = (
    "pair_id",
    "absorbed_org",
    "absorber_org",
    "absorbed_name",
    "absorber_name",
    "probability",
    "decision",
)


def export_decisions(*, merger: Merger, stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow(DECISION_COLUMNS)
    pairs = merger.pairs.exclude(
        band=CandidatePair.Band.NON_MATCH, decision=CandidatePair.Decision.PENDING
    ).order_by("pk")
    count = 0
    for pair in pairs:
        writer.writerow(
            [
                pair.pk,
                pair.left_org_id,
                pair.right_org_id,
                pair.left_label,
                pair.right_label,
                f"{pair.match_probability:.4f}",
                pair.decision,
            ]
        )
        count += 1
    return count


def import_decisions(*, merger: Merger, path: Path, user: Any) -> int:
    """Decisions from a CSV (the export's columns): all or nothing; a bad row is reported with its line."""
    check_can_manage(user)
    name = Path(path).name
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("pair_id", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            raise UserError(
                _("colonne(s) absente(s) : %(columns)s.") % {"columns": ", ".join(missing)},
                location=Location(file=name, line=1),
                hint=_("Colonnes attendues : %(columns)s (grappe merge decisions export).")
                % {"columns": ", ".join(DECISION_COLUMNS)},
            )
        pairs = {pair.pk: pair for pair in merger.pairs.all()}
        wanted: list[tuple[CandidatePair, str]] = []
        for row in reader:
            line = reader.line_num
            try:
                pair_id = int((row.get("pair_id") or "").strip())
            except ValueError:
                raise UserError(
                    _("pair_id « %(value)s » n'est pas un numéro.") % {"value": row.get("pair_id")},
                    location=Location(file=name, line=line, column="pair_id"),
                ) from None
            if pair_id not in pairs:
                raise UserError(
                    _("la paire n° %(pair)s n'appartient pas à la fusion n° %(id)s.")
                    % {"pair": pair_id, "id": merger.pk},
                    location=Location(file=name, line=line, column="pair_id"),
                )
            try:
                decision = _decision(row.get("decision") or "")
            except UserError as error:
                raise UserError(
                    error.message, location=Location(file=name, line=line, column="decision"), hint=error.hint
                ) from None
            wanted.append((pairs[pair_id], decision))
    with transaction.atomic():
        locked = Merger.objects.select_for_update().get(pk=merger.pk)
        _check_status(locked, Merger.Status.PLANNED, "review")
        by_decision: dict[str, list[CandidatePair]] = defaultdict(list)
        for pair, decision in wanted:
            if pair.decision != decision:
                by_decision[decision].append(pair)
        for decision, chosen in by_decision.items():
            _set_decision(chosen, decision, user)
        changed = sum(len(v) for v in by_decision.values())
        audit(locked, user, AuditEntry.Action.IMPORT_DECISIONS, file=name, rows=len(wanted), changed=changed)
    return changed


# -- apply ---------------------------------------------------------------------------------------------------


def undecided_pairs(merger: Merger) -> Any:
    return merger.pairs.filter(CandidatePair.undecided())


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


def apply_merger(*, merger: Merger, user: Any = None, accept_auto_only: bool = False) -> Merger:
    """Apply a planned merger in one transaction: fold the matching organisations (survivorship, lineage),
    map membership types, de-duplicate contacts, then carry the absorbed association over. Undoable."""
    check_can_manage(user)
    try:
        with transaction.atomic():
            merger = Merger.objects.select_for_update().get(pk=merger.pk)
            _check_status(merger, Merger.Status.PLANNED, "apply")
            undecided = undecided_pairs(merger).count()
            if undecided and not accept_auto_only:
                raise MergerRefused(
                    ngettext(
                        "La fusion n° %(id)s a encore %(count)d paire à vérifier sans décision.",
                        "La fusion n° %(id)s a encore %(count)d paires à vérifier sans décision.",
                        undecided,
                    )
                    % {"id": merger.pk, "count": undecided},
                    hint=_(
                        "Décidez-les (file de revue, grappe merge decisions import) ou appliquez avec "
                        "--accept-auto-only : elles deviendront de nouveaux adhérents."
                    ),
                )
            check_membership_types(merger)
            _check_plannable_at_apply(merger)
            checksum_before = snapshots.registry_checksum()
            scope = _scope(merger)
            data = snapshots.take_snapshot(scope)
            outcome = _apply(merger, user)
            created = snapshots.created_since(data)
            after_scope = {
                label: sorted({*data["scope"].get(label, []), *created.get(label, [])})
                for label in {*data["scope"], *created}
            }
            MergerSnapshot.objects.create(
                merger=merger,
                data={
                    **data,
                    "created": created,
                    "after_scope": after_scope,
                    "after_checksums": _label_checksums(after_scope),
                },
                touched_checksum=snapshots.scope_checksum(after_scope),
            )
            merger.status = Merger.Status.APPLIED
            merger.applied_by = user
            merger.applied_at = timezone.now()
            merger.outcome = outcome
            merger.checksum_before = checksum_before
            merger.checksum_after = snapshots.registry_checksum()
            merger.save()
            audit(
                merger,
                user,
                AuditEntry.Action.APPLY,
                **{
                    k: outcome[k]
                    for k in ("merged", "internal_merged", "created", "people_merged", "members_after")
                },
            )
    except Exception as error:
        if not isinstance(error, UserError):
            _audit_failure(merger, user, error)
        raise
    return merger


def _audit_failure(merger: Merger, user: Any, error: Exception) -> None:
    """The transaction of apply rolled back; the failure itself is kept in the audit log when possible."""
    try:
        with transaction.atomic():
            audit(
                merger, user, AuditEntry.Action.APPLY_FAILED, error=f"{type(error).__name__}: {error}"[:500]
            )
    except DatabaseError:
        pass  # the enclosing transaction is broken too: the caller's rollback carries the error


def _check_plannable_at_apply(merger: Merger) -> None:
    for association in {merger.absorbing, merger.absorbed}:
        association.refresh_from_db()
        if association.status != Association.Status.ACTIVE:
            raise MergerRefused(
                _("« %(association)s » n'est plus active : la fusion n° %(id)s ne peut plus s'appliquer.")
                % {"association": association, "id": merger.pk}
            )


def _scope(merger: Merger) -> dict[str, set[int]]:
    """Every row apply may change or delete: the members of both networks and all that hangs on them."""
    associations = {merger.absorbing_id, merger.absorbed_id}
    orgs = member_ids(merger.absorbing) | member_ids(merger.absorbed)
    orgs |= {p.right_org_id for p in merger.pairs.all()} | {p.left_org_id for p in merger.pairs.all()}
    orgs = (
        set(Organisation.objects.filter(pk__in=orgs).values_list("pk", flat=True))
        if len(orgs) < 900
        else _existing(orgs)
    )
    establishments = _ids(Establishment.objects, "organisation_id", orgs)
    roles = _ids(Role.objects, "organisation_id", orgs)
    people = (
        set(Role.objects.filter(pk__in=list(roles)).values_list("person_id", flat=True))
        if len(roles) < 900
        else _people(roles)
    )
    memberships = _ids(Membership.objects, "organisation_id", orgs) | set(
        Membership.objects.filter(association_id__in=associations).values_list("pk", flat=True)
    )
    territories = set(Territory.objects.filter(association_id__in=associations).values_list("pk", flat=True))
    brands = set(
        Brand.objects.filter(Q(association_id__in=associations) | Q(territories__in=territories)).values_list(
            "pk", flat=True
        )
    )
    through = Brand.territories.through
    types = ContentType.objects.get_for_models(Organisation, Establishment, Person, Role, Membership)
    lineage: set[int] = set()
    for model, ids in (
        (Organisation, orgs),
        (Establishment, establishments),
        (Person, people),
        (Role, roles),
        (Membership, memberships),
    ):
        lineage |= _ids(Lineage.objects.filter(content_type=types[model]), "object_id", ids)
    scope = {
        "registry.Association": set(associations),
        "registry.Territory": territories,
        "registry.Office": set(
            Office.objects.filter(association_id__in=associations).values_list("pk", flat=True)
        ),
        "registry.StaffMember": set(
            StaffMember.objects.filter(association_id__in=associations).values_list("pk", flat=True)
        ),
        "registry.Brand": brands,
        "registry.Brand_territories": set(
            through.objects.filter(Q(brand_id__in=brands) | Q(territory_id__in=territories)).values_list(
                "pk", flat=True
            )
        ),
        "registry.Organisation": orgs,
        "registry.Establishment": establishments,
        "registry.Person": people,
        "registry.Role": roles,
        "registry.Membership": memberships,
        "registry.SourceRecord": _ids(SourceRecord.objects, "organisation_id", orgs),
        "registry.Lineage": lineage,
    }
    # Every declared dependent of these organisations, sites, people and memberships, whichever app owns it.
    folded = {Organisation: orgs, Establishment: establishments, Person: people, Membership: memberships}
    for relation in dependents.relations():
        pks = scope.setdefault(relation.label, set())
        for rows in relation.pointing_at(folded[relation.target]):
            pks |= set(rows.values_list("pk", flat=True))
    return scope


def _ids(queryset: Any, field: str, values: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(values)):
        found |= set(queryset.filter(**{f"{field}__in": chunk}).values_list("pk", flat=True))
    return found


def _existing(orgs: set[int]) -> set[int]:
    return _ids(Organisation.objects, "pk", orgs)


def _people(roles: set[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(roles)):
        found |= set(Role.objects.filter(pk__in=chunk).values_list("person_id", flat=True))
    return found


def _label_checksums(scope: dict[str, list[int]]) -> dict[str, str]:
    return {label: snapshots.scope_checksum({label: pks}) for label, pks in scope.items()}


def _recency(org_ids: set[int]) -> dict[int, Any]:
    """How recent each organisation's data is: its latest imported row, else its latest membership start."""
    recency: dict[int, Any] = {}
    for chunk in chunked(sorted(org_ids)):
        for row in (
            Membership.objects.filter(organisation_id__in=chunk)
            .values("organisation_id")
            .annotate(d=Max("starts_on"))
        ):
            if row["d"]:
                recency[row["organisation_id"]] = row["d"]
        for row in (
            SourceRecord.objects.filter(organisation_id__in=chunk)
            .values("organisation_id")
            .annotate(d=Max("source_file__imported_at"))
        ):
            if row["d"]:
                recency[row["organisation_id"]] = row["d"]
    return recency


def _fault(point: str, index: int) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(point, index)


def _apply(merger: Merger, user: Any) -> dict[str, Any]:
    from grappe.registry.stats import association_counts

    dedup = merger.kind == Merger.Kind.DEDUPLICATION
    absorber_ids = set() if dedup else member_ids(merger.absorbing)
    before = {a.name: _counts_json(association_counts(a), a) for a in {merger.absorbing, merger.absorbed}}
    matching = [p for p in merger.pairs.all() if p.is_match]
    groups = survivors(merger, matching)
    members: dict[int, list[int]] = defaultdict(list)
    for org, root in groups.items():
        if org != root:
            members[root].append(org)
    kept_apart = [p.pk for p in matching if groups.get(p.left_org_id) != groups.get(p.right_org_id)]
    brought = new_members(merger, groups)  # before folding: the memberships say who is whose
    policy = registry_services.Survivorship(recency=_recency(set(groups)))
    resolutions: list[dict[str, Any]] = []
    merged = internal_merged = 0
    organisations = Organisation.objects.in_bulk([*members, *(o for v in members.values() for o in v)])
    for index, (root, others) in enumerate(sorted(members.items())):
        choices: list[registry_services.FieldChoice] = []
        registry_services.merge_organisations(
            survivor=organisations[root],
            duplicates=[organisations[o] for o in sorted(others)],
            survivorship=policy,
            choices=choices,
            user=user,
            context=merger,
        )
        if root in absorber_ids:
            merged += len(others)
        else:
            internal_merged += len(others)
        resolutions += [
            {
                "organisation": root,
                "name": organisations[root].name,
                "field": c.field,
                "kept": c.kept,
                "kept_from": c.kept_from,
                "dropped": [v for _org, v in c.dropped],
            }
            for c in choices
        ]
        _fault("organisation", index)
    mapped = _map_membership_types(merger)
    people_merged = deduplicate_people(set(members) | set(groups.values()))
    _fault("associations", 0)
    into = _absorb(merger, user)
    after = _counts_json(association_counts(into), into)
    absorbed_total = len(member_ids(merger.absorbed)) if dedup else None
    created = (
        len(
            set(
                Membership.objects.filter(association=into, origin=merger.absorbed).values_list(
                    "organisation_id", flat=True
                )
            )
            - absorber_ids
        )
        if not dedup
        else 0
    )
    return {
        "merged": merged,
        "internal_merged": internal_merged,
        "created": created,
        "kept_apart": kept_apart,
        "people_merged": people_merged,
        "memberships_mapped": mapped,
        "conflicts_resolved": resolutions,
        "resulting_association": into.name,
        "members_before": {name: counts["members"] for name, counts in before.items()},
        "members_after": after["members"],
        "before": before,
        "after": after,
        "deduplicated_members": absorbed_total,
        "new_members": brought,
    }


def _counts_json(counts: Any, association: Association) -> dict[str, Any]:
    from grappe.mergers.report import profile_counts

    return {
        "members": counts.members,
        "by_departement": counts.by_departement,
        "by_territory": counts.by_territory,
        **profile_counts(association),
    }


def _map_membership_types(merger: Merger) -> int:
    """Point the absorbed association's memberships at the absorber's types the mapping names (created like
    the absorbed type when the absorber has none of that name), and at the target type's default college when
    it has one: the absorbed network's colleges are not the absorber's (without one, the member's college
    carries over under its name, ``absorb_association``). The absorbed association's own types and colleges
    stay as they were (its history; undo needs them). Returns how many memberships changed type name."""
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return 0
    changed = 0
    sources = MembershipType.objects.filter(association=merger.absorbed).select_related("default_college")
    by_name = {kind.name: kind for kind in sources}
    for old, new in merger.membership_type_mapping.items():
        source = by_name.get(old)
        if source is None:
            continue
        target = _absorber_type(merger.absorbing, new or old, like=source)
        changes: dict[str, Any] = {"membership_type": target}
        if target.default_college_id:
            changes["college_id"] = target.default_college_id
        moved = Membership.objects.filter(association=merger.absorbed, membership_type=source).update(
            **changes
        )
        if target.name != old:
            changed += moved
    return changed


def _absorber_type(absorber: Association, name: str, *, like: MembershipType) -> MembershipType:
    """The absorber's type called ``name`` exactly (the proposal already matched folded names; a type kept
    under its own spelling stays so), else a new one like the absorbed type."""
    created = registry_services.membership_type_named(association=absorber, name=name, like=like)
    assert created is not None  # a non-empty name
    return created


def _absorb(merger: Merger, user: Any) -> Association:
    if merger.kind == Merger.Kind.DEDUPLICATION:
        return merger.absorbing
    if merger.kind == Merger.Kind.ABSORPTION:
        registry_services.absorb_association(
            absorbed=merger.absorbed,
            into=merger.absorbing,
            effective_on=merger.effective_on,
            keep_name_as_brand=merger.keep_name_as_brand,
            brand_territories=list(merger.absorbed.territories.all()),
            user=user,
            context=merger,
        )
        return merger.absorbing
    into = Association.objects.create(
        name=merger.resulting_name,
        seat_city=merger.absorbing.seat_city,
        seat_commune_code=merger.absorbing.seat_commune_code,
        founded_on=merger.effective_on,
    )
    for network in (merger.absorbing, merger.absorbed):
        registry_services.absorb_association(
            absorbed=network,
            into=into,
            effective_on=merger.effective_on,
            keep_name_as_brand=merger.keep_name_as_brand,
            brand_territories=list(network.territories.all()),
            user=user,
            context=merger,
        )
    merger.resulting_association = into
    return into


# -- undo ----------------------------------------------------------------------------------------------------


def check_undo(merger: Merger) -> None:
    """Raise ``MergerRefused`` with the reason when ``merger`` cannot be undone."""
    _check_status(merger, Merger.Status.APPLIED, "undo")
    networks = [
        merger.absorbing_id,
        merger.absorbed_id,
        *([merger.resulting_association_id] if merger.resulting_association_id else []),
    ]
    later = (
        Merger.objects.filter(status=Merger.Status.APPLIED, applied_at__gt=merger.applied_at)
        .filter(Q(absorbing_id__in=networks) | Q(absorbed_id__in=networks))
        .exclude(pk=merger.pk)
        .order_by("applied_at")
    )
    if later:
        names = ", ".join(_("n° %(id)s (%(merger)s)") % {"id": m.pk, "merger": m} for m in later)
        raise MergerRefused(
            _(
                "La fusion n° %(id)s (%(merger)s) ne peut pas être annulée : la fusion %(later)s, appliquée après, "
                "en dépend."
            )
            % {"id": merger.pk, "merger": merger, "later": names},
            hint=_("Annulez d'abord les fusions postérieures, de la plus récente à la plus ancienne."),
        )
    snap = MergerSnapshot.objects.filter(merger=merger).first()
    if snap is None:
        raise MergerRefused(
            _("La fusion n° %(id)s n'a pas d'instantané : elle ne peut pas être annulée.") % {"id": merger.pk}
        )
    if snapshots.scope_checksum(snap.data["after_scope"]) != snap.touched_checksum:
        changed = [
            label.split(".")[1]
            for label, pks in snap.data["after_scope"].items()
            if snapshots.scope_checksum({label: pks}) != snap.data["after_checksums"].get(label)
        ]
        raise MergerRefused(
            _(
                "La fusion n° %(id)s (%(merger)s) ne peut pas être annulée : des données qu'elle a modifiées ont "
                "changé depuis (%(tables)s)."
            )
            % {"id": merger.pk, "merger": merger, "tables": ", ".join(changed)},
            hint=_("Une annulation écraserait ces changements ; corrigez plutôt le registre à la main."),
        )


def undo_merger(*, merger: Merger, user: Any = None) -> Merger:
    """Restore the registry exactly as it was before ``merger`` was applied."""
    check_can_manage(user)
    with transaction.atomic():
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        check_undo(merger)
        snap = merger.snapshot
        created = snap.data.get("created", {})
        if merger.resulting_association_id:
            merger.resulting_association = None
            merger.save(update_fields=["resulting_association"])
        snapshots.restore_snapshot(snap.data, created)
        merger.status = Merger.Status.UNDONE
        merger.undone_by = user
        merger.undone_at = timezone.now()
        merger.save(update_fields=["status", "undone_by", "undone_at"])
        audit(
            merger, user, AuditEntry.Action.UNDO, restored={k: len(v) for k, v in snap.data["rows"].items()}
        )
    return merger
