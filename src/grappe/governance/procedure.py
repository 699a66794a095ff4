"""A merger's legal procedure: opening it, recording its steps (with the document that proves each), and its
timeline with the deadlines of ``procedure_rules``. Admin and staff pages call these functions; a refusal is a
``ProcedureRefused`` naming the step and changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.core.uploads import check_upload_size, keep_upload, upload_name
from grappe.errors import UserError
from grappe.governance import procedure_rules, schema, selectors
from grappe.governance.errors import ProcedureRefused
from grappe.governance.models import MergerProcedure, ProcedureStep
from grappe.governance.procedure_rules import State
from grappe.mergers.models import Merger
from grappe.registry.models import Association

# Where each step's rule comes from, shown beside it on the timeline.
LEGAL_BASIS = {
    ProcedureStep.Kind.BOARD: "décret du 16 août 1901, art. 15-1",
    ProcedureStep.Kind.NOTICE: "décret du 16 août 1901, art. 15-2",
    ProcedureStep.Kind.DOCUMENTS: "décret du 16 août 1901, art. 15-3",
    ProcedureStep.Kind.AUDITOR: "décret du 16 août 1901, art. 15-4",
    ProcedureStep.Kind.ASSEMBLY: "loi du 1er juillet 1901, art. 9 bis",
    ProcedureStep.Kind.PREFECTURE: "loi du 1er juillet 1901, art. 5",
    ProcedureStep.Kind.REGISTER: "loi du 1er juillet 1901, art. 5",
    ProcedureStep.Kind.SIRENE: "répertoire SIRENE (INSEE)",
}

STATE_LABELS = {
    State.DONE: gettext_lazy("fait"),
    State.LATE: gettext_lazy("fait en retard"),
    State.DUE: gettext_lazy("à faire"),
    State.OVERDUE: gettext_lazy("en retard, non fait"),
    State.NOT_REQUIRED: gettext_lazy("non requis"),
    State.WAITING: gettext_lazy("en attente"),
}

# State → (badge modifier, timeline entry modifier) among the shared stylesheet's classes.
BADGES = {
    State.DONE: "active",
    State.LATE: "rejected",
    State.DUE: "pending",
    State.OVERDUE: "rejected",
    State.NOT_REQUIRED: "ended",
    State.WAITING: "ended",
}


def parties(merger: Merger) -> list[Association]:
    """The associations whose boards and assemblies decide: the absorbed first, then the absorbing one."""
    return [merger.absorbed, merger.absorbing]


def check_open(merger: Merger) -> None:
    """Refuse a registry deduplication (no second association, no vote) and a second procedure."""
    if merger.kind == Merger.Kind.DEDUPLICATION or merger.absorbed_id == merger.absorbing_id:
        raise ProcedureRefused(
            _("« %(merger)s » est un dédoublonnage : il n'y a pas de fusion d'associations à suivre.")
            % {"merger": merger}
        )
    if merger.status == Merger.Status.ABANDONED:
        raise ProcedureRefused(
            _("Le plan de « %(merger)s » a été abandonné : il n'y a plus de fusion à suivre sur ce plan.")
            % {"merger": merger},
            hint=_("Ouvrez la procédure sur le plan qui l'a remplacé, s'il y en a un."),
        )
    if MergerProcedure.objects.filter(merger=merger).exists():
        raise ProcedureRefused(
            _("La procédure de « %(merger)s » est déjà ouverte.") % {"merger": merger},
            hint=_("Une procédure par fusion : complétez celle qui existe."),
        )


def carry_over(*, abandoned: Merger, merger: Merger, user: Any = None, **_: Any) -> None:
    """The procedure is the merger's, not one plan's: when the plan it was opened on is abandoned and the same
    networks are planned again, it follows the new plan (its steps, dates and documents unchanged). Receiver of
    ``grappe.mergers.signals.replanned``."""
    procedure = MergerProcedure.objects.filter(merger=abandoned).first()
    if procedure is None or MergerProcedure.objects.filter(merger=merger).exists():
        return
    procedure.merger = merger
    procedure.save(update_fields=["merger"])
    record_event(
        action="procedure.carry_over",
        user=user,
        target=procedure,
        context=merger,
        details={"abandoned_plan": str(abandoned)},
    )


@transaction.atomic
def open_procedure(*, merger: Merger, user: Any = None, **delays: Any) -> MergerProcedure:
    """The procedure of ``merger``, with the law's delays unless ``delays`` (model fields) says otherwise."""
    check_open(merger)
    procedure = MergerProcedure.objects.create(merger=merger, **delays)
    record_event(action="procedure.open", user=user, target=procedure, context=merger)
    return procedure


def check_step(
    *,
    procedure: MergerProcedure,
    kind: str,
    association: Association | None,
    done_on: datetime.date | None,
    planned_on: datetime.date | None = None,
    approved: bool | None = None,
    upload: UploadedFile | None = None,
    today: datetime.date | None = None,
    step: ProcedureStep | None = None,
) -> None:
    """Raise ``ProcedureRefused`` listing every problem with this step as given (``step``: the form's row,
    saved or new)."""
    today = today or timezone.localdate()
    problems: list[str] = []
    if kind not in ProcedureStep.Kind.values:
        raise ProcedureRefused(_("L'étape « %(kind)s » n'existe pas.") % {"kind": kind})
    label = ProcedureStep.Kind(kind).label
    names = {a.pk: a for a in parties(procedure.merger)}
    if kind in ProcedureStep.PER_ASSOCIATION:
        if association is None:
            problems.append(_("indiquez l'association concernée."))
        elif association.pk not in names:
            problems.append(
                _("%(association)s n'est pas partie à cette fusion (%(parties)s).")
                % {"association": association, "parties": ", ".join(str(a) for a in names.values())}
            )
    elif association is not None:
        problems.append(_("cette étape est commune aux associations : ne choisissez pas d'association."))
    # A row edited or added in a form must not duplicate another; without ``step`` the service corrects the
    # procedure's row of that kind.
    twin = ProcedureStep.objects.filter(procedure=procedure, kind=kind, association=association)
    if step is not None and step.pk:
        twin = twin.exclude(pk=step.pk)
    if step is not None and twin.exists():
        problems.append(_("elle est déjà enregistrée : corrigez la ligne existante."))
    if done_on is not None and done_on > today:
        problems.append(
            _("la date de réalisation (%(date)s) est dans le futur ; indiquez-la comme date prévue.")
            % {"date": done_on.strftime("%d/%m/%Y")}
        )
    if kind == ProcedureStep.Kind.ASSEMBLY:
        if approved is not None and done_on is None:
            problems.append(_("le résultat du vote suppose la date à laquelle l'assemblée s'est tenue."))
    else:
        if approved is not None:
            problems.append(_("seule une assemblée approuve ou rejette la fusion."))
        if planned_on is not None:
            problems.append(_("seule une assemblée a une date prévue ; les autres étapes ont une échéance."))
    if upload is not None:
        try:
            check_upload_size(upload)
        except UserError as error:
            problems.append(error.message)
    if problems:
        raise ProcedureRefused(
            _("Étape « %(step)s » refusée : ") % {"step": label} + " ".join(problems),
            hint=_("Rien n'a été enregistré."),
        )


def _readable(path: Path) -> None:
    if path.stat().st_size == 0:
        raise ProcedureRefused(_("Le document « %(name)s » est vide.") % {"name": path.name})


@transaction.atomic
def record_step(
    *,
    procedure: MergerProcedure,
    kind: str,
    association: Association | None = None,
    done_on: datetime.date | None = None,
    planned_on: datetime.date | None = None,
    approved: bool | None = None,
    upload: UploadedFile | None = None,
    note: str = "",
    user: Any = None,
    today: datetime.date | None = None,
    step: ProcedureStep | None = None,
    clear_document: bool = False,
) -> ProcedureStep:
    """Record a step, or correct ``step``: its dates, its outcome for an assembly, its document (kept through
    the shared uploads helper, so a refused file leaves nothing on disk)."""
    check_step(
        step=step,
        procedure=procedure,
        kind=kind,
        association=association,
        done_on=done_on,
        planned_on=planned_on,
        approved=approved,
        upload=upload,
        today=today,
    )
    if step is not None and step.pk:
        # Read back from the database: a form may already have set its fields (the document among them).
        step = ProcedureStep.objects.select_for_update().get(pk=step.pk, procedure=procedure)
    else:
        step, _created = ProcedureStep.objects.select_for_update().get_or_create(
            procedure=procedure, kind=kind, association=association
        )
    before = {"planned_on": step.planned_on, "done_on": step.done_on, "approved": step.approved}
    step.kind, step.association = kind, association
    step.planned_on, step.done_on, step.approved = planned_on, done_on, approved
    step.note = note.strip()
    if clear_document and step.document:
        step.document.delete(save=False)
        step.document_name = ""
    if upload is not None:
        replaced = step.document.name if step.document else ""
        name = upload_name(upload, "document")
        keep_upload(step.document, upload, name, _readable)
        step.document_name = name
        if replaced:
            # The new document stands in for the old one, which would otherwise stay on disk unreferenced.
            step.document.storage.delete(replaced)
    step.save()
    after = {"planned_on": planned_on, "done_on": done_on, "approved": approved}
    record_event(
        action="procedure.step",
        user=user,
        target=step,
        parent=procedure,
        context=procedure.merger,
        changes={k: (before[k], after[k]) for k in after if before[k] != after[k]},
        details={"document": step.document_name} if upload is not None else None,
    )
    return step


def facts(procedure: MergerProcedure) -> procedure_rules.Facts:
    """What ``procedure_rules`` needs, read from the procedure and its steps (associations keyed by id)."""
    steps = {(s.kind, s.association_id): s for s in procedure.steps.all()}
    keys = [str(a.pk) for a in parties(procedure.merger)]

    def done(kind: str, association_id: int | None = None) -> datetime.date | None:
        step = steps.get((kind, association_id))
        return step.done_on if step else None

    assemblies = {}
    for key in keys:
        step = steps.get((ProcedureStep.Kind.ASSEMBLY, int(key)))
        if step is not None:
            assemblies[key] = procedure_rules.Assembly(step.planned_on, step.done_on, step.approved)
    return procedure_rules.Facts(
        associations=keys,
        board_adopted_on={key: done(ProcedureStep.Kind.BOARD, int(key)) for key in keys},
        assemblies=assemblies,
        board_lead_months=procedure.board_lead_months,
        notice_days=procedure.notice_days,
        documents_days=procedure.documents_days,
        notice_published_on=done(ProcedureStep.Kind.NOTICE),
        documents_available_on=done(ProcedureStep.Kind.DOCUMENTS),
        contributions_euros=procedure.contributions_euros,
        auditor_report_on=done(ProcedureStep.Kind.AUDITOR),
        treaty_effective_on=procedure.treaty_effective_on,
        prefecture_declared_on=done(ProcedureStep.Kind.PREFECTURE),
        register_entered_on=done(ProcedureStep.Kind.REGISTER),
        sirene_updated_on=done(ProcedureStep.Kind.SIRENE),
    )


@dataclass(frozen=True)
class Row:
    """One line of the timeline as a page shows it."""

    step: procedure_rules.Step
    label: str
    association: Association | None
    record: ProcedureStep | None
    legal_basis: str
    state_label: str
    # For an assembly: the quorum and majority its statutes set for a dissolution, or why they cannot be read.
    dissolution_rules: tuple[tuple[str, str], ...] = ()

    @property
    def flagged(self) -> bool:
        return self.step.state in (State.LATE, State.OVERDUE)

    @property
    def badge(self) -> str:
        """The shared badge and timeline classes of its state (no style attributes: the CSP forbids them)."""
        return BADGES[self.step.state]


def _shown(value: Any) -> str:
    """A statutes rule in words: « 2/3 des presents_et_representes », or the text as it is."""
    if isinstance(value, dict) and "seuil" in value:
        return _("%(threshold)s, base : %(base)s") % {"threshold": value["seuil"], "base": value["base"]}
    if isinstance(value, dict) and "fraction" in value:
        return _("%(fraction)s, base : %(base)s") % {"fraction": value["fraction"], "base": value["base"]}
    return str(value)


def dissolution_rules(association: Association, on: datetime.date) -> tuple[tuple[str, str], ...]:
    """The quorum and majority ``association``'s statutes in force on ``on`` set for its AGE deciding a
    dissolution, each « non fixé par les statuts » when left out; the refusal when no statutes are in force."""
    try:
        statutes = selectors.statutes_in_force(association, on)
    except UserError as error:
        return ((_("Statuts"), error.message),)
    return (
        (_("Statuts"), str(statutes)),
        (_("Quorum de l'AGE"), _shown(schema.shown(statutes.rules, "assemblees.AGE.quorum"))),
        (
            _("Majorité pour une dissolution"),
            _shown(schema.shown(statutes.rules, "assemblees.AGE.majorites.dissolution")),
        ),
    )


@dataclass(frozen=True)
class Timeline:
    procedure: MergerProcedure
    today: datetime.date
    rows: list[Row]
    first_assembly: datetime.date | None
    effective_on: datetime.date | None
    auditor_required: bool | None
    rejected_by: list[Association]

    @property
    def flagged(self) -> list[Row]:
        return [row for row in self.rows if row.flagged]


def timeline(procedure: MergerProcedure, today: datetime.date | None = None) -> Timeline:
    today = today or timezone.localdate()
    known = facts(procedure)
    by_key = {str(a.pk): a for a in parties(procedure.merger)}
    records = {(s.kind, s.association_id): s for s in procedure.steps.all()}
    rows = []
    for step in procedure_rules.timeline(known, today):
        association = by_key.get(step.association)
        kind = ProcedureStep.Kind(step.kind.value)
        rules: tuple[tuple[str, str], ...] = ()
        if kind == ProcedureStep.Kind.ASSEMBLY and association is not None:
            assembly = known.assemblies.get(step.association)
            rules = dissolution_rules(association, (assembly.date if assembly else None) or today)
        rows.append(
            Row(
                step=step,
                label=str(kind.label),
                association=association,
                record=records.get((kind.value, association.pk if association else None)),
                legal_basis=LEGAL_BASIS[kind],
                state_label=str(STATE_LABELS[step.state]),
                dissolution_rules=rules,
            )
        )
    return Timeline(
        procedure=procedure,
        today=today,
        rows=rows,
        first_assembly=procedure_rules.first_assembly(known),
        effective_on=None if procedure_rules.rejected_by(known) else procedure_rules.effective_on(known),
        auditor_required=procedure_rules.auditor_required(procedure.contributions_euros),
        rejected_by=[by_key[key] for key in procedure_rules.rejected_by(known)],
    )
