"""A merger's report as data, then as CSV and as a PDF (WeasyPrint renders a plain HTML page).

Before/after counts come from the apply's outcome once applied (measured on the registry in the transaction),
from the plan's projection before that.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any, TextIO

from django.template.loader import render_to_string
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from grappe.core import exports
from grappe.core.chunks import in_chunks
from grappe.france import geo, maps
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.france.naf import naf_section, naf_section_label
from grappe.mergers.labels import COUNT_LABELS, conflict_label, count_labels, field_label
from grappe.mergers.models import AuditEntry, CandidatePair, Merger
from grappe.registry.models import Association, Organisation
from grappe.registry.stats import active_memberships

# The key of members without a size or a NAF code: stored in French, read through the catalog.
NOT_GIVEN = gettext_noop("non renseignée")
COMMON_AT_IMPORT = gettext_lazy("une seule organisation dès l'import (même SIREN ou SIRET)")


def profile_counts(association: Association) -> dict[str, dict[str, int]]:
    """Members by headcount bracket and by NAF section."""
    ids = active_memberships(association).values("organisation_id")
    sizes: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    for bracket, naf in Organisation.objects.filter(pk__in=ids).values_list("headcount_bracket", "naf_code"):
        sizes[HEADCOUNT_BRACKETS[bracket].label if bracket in HEADCOUNT_BRACKETS else NOT_GIVEN] += 1
        sections[naf_section(naf) or NOT_GIVEN] += 1
    return {"by_size": dict(sorted(sizes.items())), "by_naf_section": dict(sorted(sections.items()))}


@dataclass
class MergerReport:
    merger: Merger
    before: dict[str, dict[str, Any]]  # association name → counts (members, by_departement, by_territory, …)
    after: dict[str, Any]
    counts: dict[str, int]
    # Pairs that fold: a member of the absorbed with one of the absorber (a deduplication: two of its members).
    overlaps: list[CandidatePair] = field(default_factory=list)
    # Pairs that fold two members of the absorbed association's own export (a duplicate row): not overlaps.
    duplicates: list[CandidatePair] = field(default_factory=list)
    # Members of both networks already one organisation since the import (same SIREN or SIRET): overlaps too.
    already_common: list[dict[str, Any]] = field(default_factory=list)
    new_members: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[CandidatePair] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.merger.status == Merger.Status.APPLIED

    @property
    def overlap_count(self) -> int:
        return len(self.overlaps) + len(self.already_common)


def _named(org_ids: list[int]) -> list[dict[str, Any]]:
    """Organisations by name; one a later merger folded away keeps its number."""
    names = {
        pk: name
        for chunk in in_chunks(Organisation.objects.values_list("pk", "name"), "pk", org_ids)
        for pk, name in chunk
    }
    rows = [
        {"id": org, "name": names.get(org, f"organisation n° {org} (fusionnée depuis)")} for org in org_ids
    ]
    return sorted(rows, key=lambda row: (row["name"].casefold(), row["id"]))


def merger_report(merger: Merger) -> MergerReport:
    from grappe.mergers.services import new_members, plan_counts, projection

    applied = bool(merger.outcome)
    if applied:
        before, after = merger.outcome["before"], merger.outcome["after"]
    else:
        projected = projection(merger)
        before, after = projected["before"], projected["after"]
    pairs = list(merger.pairs.order_by("-match_probability", "pk"))
    resolutions = merger.outcome.get("conflicts_resolved", []) if applied else []
    kept_apart = set(merger.outcome.get("kept_apart", [])) if applied else set()
    conflicts = [
        {
            "pair": pair,
            "organisation": "",
            "labels": [conflict_label(code) for code in pair.conflicts],
            "resolution": pair.outcome(
                applied=merger.status == Merger.Status.APPLIED, kept_apart=pair.pk in kept_apart
            ),
        }
        for pair in pairs
        if pair.conflicts
    ]
    # Fields that apply had to choose between the values of two folded organisations.
    conflicts += [
        {
            "pair": None,
            "organisation": r["name"],
            "labels": [field_label(r["field"])],
            "resolution": _field_resolution(r),
        }
        for r in resolutions
    ]
    folded = [pair for pair in pairs if pair.is_match]
    dedup = merger.kind == Merger.Kind.DEDUPLICATION
    # Measured by apply (the survivors of the new members' groups), projected from the decisions before that.
    brought = merger.outcome["new_members"] if "new_members" in merger.outcome else new_members(merger)
    return MergerReport(
        merger=merger,
        before=before,
        after=after,
        counts=plan_counts(merger),
        overlaps=[pair for pair in folded if dedup or pair.kind == CandidatePair.Kind.CROSS],
        duplicates=[pair for pair in folded if not dedup and pair.kind == CandidatePair.Kind.INTERNAL],
        already_common=_named(merger.summary.get("common", [])),
        new_members=_named(brought),
        conflicts=conflicts,
        decisions=[pair for pair in pairs if pair.decided_at],
        audit=list(merger.audit.order_by("at", "pk")),
    )


def _field_resolution(resolution: dict[str, Any]) -> str:
    return _("retenu « %(kept)s » ; gardé dans la provenance : %(dropped)s") % {
        "kept": resolution["kept"],
        "dropped": ", ".join(resolution["dropped"]),
    }


def _labelled_counts(counts: dict[str, int], kind: str) -> list[tuple[str, int]]:
    """The plan's counts a merger of this kind shows, under their names, in ``count_labels`` order (a count
    nobody named reads as its key; a merger's counts that mean nothing for a deduplication are left out)."""
    labels = count_labels(kind)
    named = [(str(label), counts[key]) for key, label in labels.items() if key in counts]
    return named + [
        (key, value) for key, value in sorted(counts.items()) if key not in {*labels, *COUNT_LABELS}
    ]


def _count_rows(report: MergerReport) -> list[tuple[str, str, str, str]]:
    """(section, key, before, after) for every count of the report, in the active language."""
    rows: list[tuple[str, str, str, str]] = []
    after = report.after
    names = list(report.before)
    total_before = sum(report.before[name]["members"] for name in names)
    rows.append((_("adhérents"), " + ".join(names), str(total_before), str(after["members"])))
    for section, key in (
        (_("département"), "by_departement"),
        (_("territoire"), "by_territory"),
        (_("taille"), "by_size"),
        (_("section NAF"), "by_naf_section"),
    ):
        combined: Counter[str] = Counter()
        for name in names:
            combined.update(report.before[name].get(key, {}))
        for item in sorted({*combined, *after.get(key, {})}):
            before_count, after_count = combined.get(item, 0), after.get(key, {}).get(item, 0)
            rows.append((section, count_label(key, item), str(before_count), str(after_count)))
    return rows


def count_label(key: str, item: str) -> str:
    """Sizes are stored under their French INSEE label and a missing value as « non renseignée »: both are
    catalogued, so they read in the active language; départements, territories and NAF sections are names."""
    if key == "by_size" or item == NOT_GIVEN:
        return _(item)
    if key == "by_naf_section":  # a section letter alone means nothing to a board: « J — Information et… »
        label = naf_section_label(item)
        return f"{item} — {label}" if label else item
    return item


def write_report_csv(report: MergerReport, stream: TextIO) -> None:
    """The report as one CSV of titled blocks (a spreadsheet opens it as it is), in the active language."""
    writer = exports.SafeWriter(stream)
    merger = report.merger
    writer.writerow(
        [_("fusion"), merger.pk, str(merger), merger.get_status_display(), merger.effective_on.isoformat()]
    )
    writer.writerow([])
    writer.writerow([_("section"), _("clé"), _("avant"), _("après")])
    writer.writerows(_count_rows(report))
    writer.writerow([])
    writer.writerow([_("plan"), _("nombre")])
    writer.writerows(_labelled_counts(report.counts, report.merger.kind))
    writer.writerow([])
    writer.writerow([_("recoupements"), _("apportée"), _("rapprochée"), _("probabilité"), _("décision")])
    for pair in report.overlaps:
        writer.writerow(["", *_pair_cells(pair), _outcome(report, pair)])
    for item in report.already_common:
        writer.writerow(["", item["name"], item["name"], "", COMMON_AT_IMPORT])
    writer.writerow([])
    writer.writerow([_("doublons internes"), _("apportée"), _("doublon"), _("probabilité"), _("décision")])
    for pair in report.duplicates:
        writer.writerow(["", *_pair_cells(pair), _outcome(report, pair)])
    writer.writerow([])
    writer.writerow([_("nouveaux adhérents"), _("id"), _("nom")])
    for item in report.new_members:
        writer.writerow(["", item["id"], item["name"]])
    writer.writerow([])
    writer.writerow([_("conflits"), _("nature"), _("résolution")])
    for conflict in report.conflicts:
        writer.writerow([_conflict_subject(conflict), " ; ".join(conflict["labels"]), conflict["resolution"]])
    writer.writerow([])
    writer.writerow([_("décisions"), _("paire"), _("décision"), _("par"), _("le")])
    for pair in report.decisions:
        writer.writerow(
            ["", str(pair), pair.get_decision_display(), pair.decided_by_label, pair.decided_at.isoformat()]
        )


def _outcome(report: MergerReport, pair: CandidatePair) -> str:
    kept_apart = pair.pk in set(report.merger.outcome.get("kept_apart", []))
    return pair.outcome(applied=report.applied, kept_apart=kept_apart)


def _pair_cells(pair: CandidatePair) -> list[object]:
    """A pair's names and its probability, a number the CSV writes with the language's decimal separator."""
    return [pair.left_label, pair.right_label, Decimal(f"{pair.match_probability:.3f}")]


def _conflict_subject(conflict: dict[str, Any]) -> str:
    return str(conflict["pair"]) if conflict["pair"] else conflict["organisation"]


# Fill colours of the map's classes in the PDF (WeasyPrint draws the SVG with attributes, not the site's CSS).
MAP_FILLS = ("#eeeef2", "#c6d3f2", "#93aee6", "#5f86d6", "#3560bd", "#11285f")


@dataclass(frozen=True)
class DepartementLine:
    code: str
    name: str
    before: tuple[int, ...]  # one figure per association, in ``MergerReport.before`` order
    after: int


def _departement_lines(report: MergerReport) -> list[DepartementLine]:
    names = list(report.before)
    after = report.after.get("by_departement", {})
    codes = {code for name in names for code in report.before[name].get("by_departement", {})} | set(after)
    lines = [
        DepartementLine(
            code=code,
            name=_departement_name(code),
            before=tuple(int(report.before[name].get("by_departement", {}).get(code, 0)) for name in names),
            after=int(after.get(code, 0)),
        )
        for code in codes
    ]
    return sorted(lines, key=lambda line: (-line.after, line.code))


def _departement_name(code: str) -> str:
    found = geo.departement(code)
    return found.name if found else code


def _decisions_by_person(report: MergerReport) -> list[dict[str, Any]]:
    by_person: dict[str, Counter[str]] = {}
    for pair in report.decisions:
        by_person.setdefault(pair.decided_by_label or _("sans nom"), Counter())[pair.decision] += 1
    return [
        {
            "who": who,
            "accepted": counts[CandidatePair.Decision.ACCEPTED],
            "rejected": counts[CandidatePair.Decision.REJECTED],
        }
        for who, counts in sorted(by_person.items(), key=lambda item: (-item[1].total(), item[0]))
    ]


def report_document(report: MergerReport) -> dict[str, Any]:
    """What the printed report shows: a one-page summary a board can read (figures, map, where members are
    before and after, overlaps, conflicts and who decided), then the annexes with every name."""
    from grappe.mergers.report_files import active_language  # report_files builds on this module

    after = report.after
    names = list(report.before)
    member_map = maps.choropleth(after.get("by_departement", {}))
    resolutions = Counter(conflict["resolution"] for conflict in report.conflicts)
    return {
        "report": report,
        "merger": report.merger,
        "names": names,
        "members_before": [(name, report.before[name]["members"]) for name in names],
        "members_after": after["members"],
        "departements": _departement_lines(report),
        "map": member_map,
        "map_fills": MAP_FILLS,
        "map_attribution": maps.ATTRIBUTION,
        "decisions_by_person": _decisions_by_person(report),
        "conflict_resolutions": resolutions.most_common(),
        "plan_counts": _labelled_counts(report.counts, report.merger.kind),
        "other_counts": [row for row in _count_rows(report) if row[0] != _("département")][1:],
        "generated_at": localtime(),
        "language": active_language(),
    }


def report_html(report: MergerReport) -> str:
    """The page WeasyPrint prints, in the active language."""
    return render_to_string("mergers/report_pdf.html", report_document(report))


def render_report_pdf(report: MergerReport) -> bytes:
    from weasyprint import CSS, HTML

    stylesheet = CSS(
        string=(resources.files("grappe.mergers") / "static/mergers/report_pdf.css").read_text("utf-8")
    )
    return HTML(string=report_html(report)).write_pdf(stylesheets=[stylesheet])
