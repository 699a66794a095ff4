"""Start-up services: create a project, move it in the pipeline, record its application files, convert it into
a member organisation, and e-mail the reminders of application deadlines.

Every function that changes state is atomic, leaves an audit event, and refuses with a ``StartupError`` naming
the project, the problem and the fix, having then changed nothing. A user acts only on projects they see
(``grappe.core.access.restrict_startups``): another territory's project answers « introuvable ».
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import access, audit
from grappe.errors import NotFound, UserError
from grappe.france.identifiers import check_siren, check_siret
from grappe.registry import editing
from grappe.registry.models import Organisation, Person, StaffMember, Territory
from grappe.registry.selectors import existing_organisation, visible_people
from grappe.startups import selectors
from grappe.startups.models import (
    STAGE_LABELS,
    Application,
    Programme,
    ReminderSent,
    StageChange,
    StartupProject,
)
from grappe.startups.stages import MoveProblem, Stage, move_problem

ACTION_LABELS = {
    "startups.create": gettext_lazy("start-up : nouveau projet"),
    "startups.stage": gettext_lazy("start-up : changement d'étape"),
    "startups.application": gettext_lazy("start-up : dossier de candidature"),
    "startups.convert": gettext_lazy("start-up : devenue adhérente"),
    "startups.reminder": gettext_lazy("start-up : relance d'échéance"),
    "startups.edit": gettext_lazy("start-up : projet modifié"),
    "startups.founder_add": gettext_lazy("start-up : fondateur ajouté"),
    "startups.founder_remove": gettext_lazy("start-up : fondateur retiré"),
}

# What may still change on a project whose pipeline is over (converted into a member, or dropped): the notes
# and who follows it. Its name, territory and programmes are its record of what happened.
CLOSED_EDITABLE = ("summary", "referent")

# How many days before its deadline an application still being prepared is reminded to its referent.
REMIND_DAYS_BEFORE = 14


class StartupError(UserError):
    code = "grappe.startups"


def _label(stage: str) -> str:
    return str(STAGE_LABELS[Stage(stage)])


def _visible_project(user: Any, project: StartupProject) -> StartupProject:
    """The project locked for the change, when ``user`` may see it (``user`` None: the command line)."""
    projects = StartupProject.objects.select_for_update()
    if user is not None:
        projects = access.restrict_startups(user, projects)
    found = projects.filter(pk=project.pk).first()
    if found is None:
        raise NotFound(_("Projet de start-up n° %(id)s introuvable.") % {"id": project.pk})
    return found


def _record_change(
    project: StartupProject, *, before: str, after: str, on: datetime.date, user: Any, reason: str = ""
) -> StageChange:
    change = StageChange.objects.create(
        project=project,
        from_stage=before,
        to_stage=after,
        on=on,
        by=user if getattr(user, "is_authenticated", False) else None,
        actor=audit.actor_label(user)[:150],
        reason=reason[:300],
    )
    audit.record_event(
        action="startups.stage" if before else "startups.create",
        user=user,
        target=project,
        changes={"stage": (before, after)},
        details={"reason": reason, "on": on},
    )
    return change


# -- projects ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_project(
    *,
    user: Any,
    name: str,
    territory: Territory,
    referent: StaffMember | None = None,
    summary: str = "",
    founders: Iterable[Person] = (),
    programmes: Iterable[Programme] = (),
    on: datetime.date | None = None,
) -> StartupProject:
    """A project sourced on ``on`` (today by default), in ``territory``, which ``user`` must see."""
    _check_name_and_territory(user, name, territory)
    on = on or timezone.localdate()
    project = StartupProject.objects.create(
        name=name.strip(), territory=territory, referent=referent, summary=summary, stage_since=on
    )
    project.founders.set(founders)
    project.programmes.set(programmes)
    _record_change(project, before="", after=Stage.SOURCED, on=on, user=user)
    return project


def _check_name_and_territory(user: Any, name: str, territory: Territory) -> None:
    if not name.strip():
        raise StartupError(_("Le nom du projet est obligatoire."), hint=_("Indiquez le nom de la start-up."))
    if user is not None and not access.restrict_startups(
        user, Territory.objects.filter(pk=territory.pk), "pk"
    ):
        raise StartupError(
            _("Le territoire « %(territory)s » n'est pas le vôtre : vous ne pouvez pas y suivre de projet.")
            % {"territory": territory.name},
            hint=_("Choisissez votre territoire, ou demandez à la direction."),
        )


def is_closed(project: StartupProject) -> bool:
    """A project whose pipeline is over: converted into a member, or dropped."""
    return project.organisation_id is not None or project.stage in (Stage.MEMBER, Stage.DROPPED)


@transaction.atomic
def update_project(
    *,
    user: Any,
    project: StartupProject,
    name: str,
    territory: Territory,
    referent: StaffMember | None = None,
    summary: str = "",
    programmes: Iterable[Programme] = (),
) -> StartupProject:
    """Change a project's name, notes, territory, referent and programmes. A converted or dropped project keeps
    its name, territory and programmes (only ``CLOSED_EDITABLE`` may change): changing them is refused."""
    project = _visible_project(user, project)
    _check_name_and_territory(user, name, territory)
    wanted_programmes = sorted({programme.pk for programme in programmes})
    before_programmes = sorted(project.programmes.values_list("pk", flat=True))
    before = audit.values_of(project, ["name", "summary", "territory", "referent"])
    after = {
        "name": name.strip(),
        "summary": summary.strip(),
        "territory": territory.pk,
        "referent": referent.pk if referent else None,
    }
    changed = [key for key in after if before[key] != after[key]]
    if wanted_programmes != before_programmes:
        changed.append("programmes")
    if is_closed(project):
        frozen = [key for key in changed if key not in CLOSED_EDITABLE]
        if frozen:
            labels = ", ".join(_field_label(StartupProject, key) for key in frozen)
            raise StartupError(
                _(
                    "« %(project)s » est %(state)s : seuls la présentation et le référent peuvent encore changer, "
                    "pas %(fields)s."
                )
                % {
                    "project": project.name,
                    "state": _("devenue adhérente") if project.stage == Stage.MEMBER else _("abandonné"),
                    "fields": labels,
                },
                hint=_("Remettez ces valeurs telles qu'elles étaient : rien n'a été enregistré."),
                code="grappe.startups.closed",
            )
    if not changed:
        return project
    project.name, project.summary = name.strip(), summary.strip()
    project.territory, project.referent = territory, referent
    project.save(update_fields=["name", "summary", "territory", "referent"])
    changes = audit.changes_between(before, audit.values_of(project, before), StartupProject)
    if "programmes" in changed:
        project.programmes.set(wanted_programmes)
        names = dict(
            Programme.objects.filter(pk__in=[*before_programmes, *wanted_programmes]).values_list(
                "pk", "name"
            )
        )
        changes["programmes"] = [
            ", ".join(names[pk] for pk in before_programmes),
            ", ".join(names[pk] for pk in wanted_programmes),
        ]
    audit.record_event(
        action="startups.edit",
        user=user,
        target=project,
        changes={key: tuple(pair) for key, pair in changes.items()},
    )
    return project


# -- founders ---------------------------------------------------------------------------------------------


@transaction.atomic
def add_founder(
    *,
    user: Any,
    project: StartupProject,
    person: Person | None = None,
    person_values: Mapping[str, Any] | None = None,
) -> Person:
    """Add a founder to ``project``: ``person``, one ``user`` may pick (``founder_candidates``), or a new
    registry person from ``person_values`` (first and last name, e-mail), created through the registry's
    ``save_record`` (checked, audited, with lineage). An e-mail already known among the people ``user`` may
    pick is refused: choose that person instead of creating a double."""
    project = _visible_project(user, project)
    if person is not None:
        if not founder_candidates(user).filter(pk=person.pk).exists():
            raise NotFound(_("Personne n° %(id)s introuvable.") % {"id": person.pk})
    elif person_values:
        checked, _role = editing.check_contact_values(person_values, {})
        if not str(checked.get("last_name") or "").strip():
            raise StartupError(
                _("Le nom du fondateur est obligatoire."), hint=_("Indiquez au moins son nom de famille.")
            )
        email = str(checked.get("email") or "").strip()
        known = founder_candidates(user).filter(email__iexact=email).first() if email else None
        if known is not None:
            raise StartupError(
                _(
                    "%(email)s est déjà au registre (« %(name)s ») : choisissez cette personne dans la recherche."
                )
                % {"email": email, "name": known},
                code="grappe.startups.known_person",
            )
        person = editing.save_record(obj=Person(), user=user, values=checked)
    else:
        raise StartupError(
            _("Aucun fondateur indiqué."),
            hint=_("Choisissez une personne du registre, ou saisissez le nom d'une nouvelle personne."),
        )
    if project.founders.filter(pk=person.pk).exists():
        raise StartupError(
            _("%(person)s est déjà fondateur ou contact de « %(project)s ».")
            % {"person": person, "project": project.name}
        )
    project.founders.add(person)
    audit.record_event(
        action="startups.founder_add",
        user=user,
        target=project,
        details={"person": person.pk, "name": str(person)},
    )
    return person


@transaction.atomic
def remove_founder(*, user: Any, project: StartupProject, person: Person) -> None:
    """Take ``person`` off ``project``'s founders (the person stays in the registry)."""
    project = _visible_project(user, project)
    if not project.founders.filter(pk=person.pk).exists():
        raise StartupError(
            _("%(person)s n'est pas fondateur ou contact de « %(project)s ».")
            % {"person": person, "project": project.name}
        )
    project.founders.remove(person)
    audit.record_event(
        action="startups.founder_remove",
        user=user,
        target=project,
        details={"person": person.pk, "name": str(person)},
    )


def founder_candidates(user: Any) -> QuerySet[Person]:
    """People ``user`` may name as founders: those the registry shows them, and the founders of the projects
    they see (a founder has often no role in any organisation yet, so the registry alone would hide them)."""
    if user is None:
        return Person.objects.all()
    # Two subqueries, no join: a person founding several projects is one row without a DISTINCT over people.
    founded = access.restrict_startups(
        user, StartupProject.objects.filter(founders=OuterRef("pk")).order_by()
    )
    return Person.objects.filter(Q(pk__in=visible_people(user).values("pk")) | Exists(founded))


def check_move(project: StartupProject, target: str, *, reason: str = "") -> None:
    """Refuse a move the pipeline does not allow (``StartupError`` saying which moves are), else nothing."""
    if target not in Stage.__members__.values():
        raise StartupError(_("Étape « %(stage)s » inconnue.") % {"stage": target})
    current, wanted = Stage(project.stage), Stage(target)
    problem = move_problem(current, wanted, reason=reason, dropped_from=selectors.dropped_from(project))
    if problem is None:
        return
    names = {"project": project.name, "current": _label(current), "target": _label(wanted)}
    messages = {
        MoveProblem.SAME: (_("« %(project)s » est déjà à l'étape « %(target)s »."), ""),
        MoveProblem.CONVERTED: (
            _("« %(project)s » est devenue adhérente : son parcours de start-up est terminé."),
            _("Son suivi continue sur la fiche de l'organisation."),
        ),
        MoveProblem.MEMBER_BY_MOVE: (
            _("« %(project)s » ne devient pas adhérente en déplaçant sa carte."),
            _("Utilisez « Convertir en adhérente » : l'organisation et son adhésion sont créées avec."),
        ),
        MoveProblem.SKIPS: (
            _("« %(project)s » passe de « %(current)s » à « %(target)s » : une étape à la fois."),
            _("Avancez ou reculez la carte d'une seule colonne."),
        ),
        MoveProblem.NO_REASON: (
            _("Abandonner « %(project)s » demande un motif."),
            _("Indiquez pourquoi le projet s'arrête."),
        ),
        MoveProblem.RESUME_ELSEWHERE: (
            _("« %(project)s » reprend à l'étape où il a été abandonné, pas à « %(target)s »."),
            _("Reprenez-le d'abord à cette étape, puis avancez-le."),
        ),
    }
    message, hint = messages[problem]
    raise StartupError(message % names, hint=hint, code=f"grappe.startups.{problem}")


@transaction.atomic
def move_project(
    *, project: StartupProject, stage: str, user: Any, reason: str = "", on: datetime.date | None = None
) -> StartupProject:
    """Move ``project`` to ``stage`` (one step up or down, dropped with a reason, resumed where it was)."""
    project = _visible_project(user, project)
    check_move(project, stage, reason=reason)
    on = on or timezone.localdate()
    if on < project.stage_since:
        raise StartupError(
            _(
                "« %(project)s » est à son étape actuelle depuis le %(since)s : un changement ne peut pas la précéder."
            )
            % {"project": project.name, "since": date_format(project.stage_since)},
            hint=_("Indiquez une date égale ou postérieure."),
        )
    before = project.stage
    project.stage, project.stage_since = stage, on
    project.dropped_reason = reason.strip() if stage == Stage.DROPPED else ""
    project.save(update_fields=["stage", "stage_since", "dropped_reason"])
    _record_change(project, before=before, after=stage, on=on, user=user, reason=reason.strip())
    return project


# -- application files ----------------------------------------------------------------------------------------


@transaction.atomic
def save_application(
    *,
    user: Any,
    project: StartupProject,
    programme: Programme,
    due_on: datetime.date,
    status: str = Application.Status.PREPARING,
    submitted_on: datetime.date | None = None,
    application: Application | None = None,
    notes: str | None = None,
) -> Application:
    """Record an application file (new, or ``application`` changed): a deadline, a status, when it was filed,
    notes. Reminders key on the deadline (``ReminderSent.due_on``): a moved deadline is reminded again."""
    project = _visible_project(user, project)
    if application is not None and application.project_id != project.pk:
        raise NotFound(_("Dossier de candidature n° %(id)s introuvable.") % {"id": application.pk})
    if status not in Application.Status.values:
        raise StartupError(_("Statut de dossier « %(status)s » inconnu.") % {"status": status})
    if status == Application.Status.PREPARING:
        # Back to preparing: it was not filed after all, and reminders apply again.
        submitted_on = None
    elif submitted_on is None:
        submitted_on = (application.submitted_on if application else None) or timezone.localdate()
    application = application or Application(project=project)
    before = audit.values_of(application) if application.pk else {}
    application.programme, application.due_on = programme, due_on
    application.status, application.submitted_on = status, submitted_on
    if notes is not None:
        application.notes = notes.strip()
    application.save()
    project.programmes.add(programme)
    audit.record_event(
        action="startups.application",
        user=user,
        target=application,
        parent=project,
        changes=audit.changes_between(before, audit.values_of(application), Application),
    )
    return application


# -- conversion into a member ---------------------------------------------------------------------------------


@transaction.atomic
def convert_to_member(
    *,
    project: StartupProject,
    user: Any,
    organisation_values: Mapping[str, Any],
    establishment_values: Mapping[str, Any],
    membership_values: Mapping[str, Any],
    on: datetime.date | None = None,
) -> Organisation:
    """Create the member organisation of ``project`` (head office and membership, through the registry's
    ``create_member``: the same checks as the « Ajouter un membre » page), link the project to it and move it
    to « adhérente ». A project already converted, a dropped one, or a SIREN/SIRET already in the registry is
    refused, nothing created."""
    if user is None:
        raise ValueError(
            "convert_to_member needs the user converting the project: the organisation is created in their name "
            "and within their territories."
        )
    project = _visible_project(user, project)
    if project.organisation_id is not None or project.stage == Stage.MEMBER:
        raise StartupError(
            _("« %(project)s » est déjà devenue adhérente (organisation n° %(id)s).")
            % {"project": project.name, "id": project.organisation_id},
            hint=_("Son suivi continue sur la fiche de l'organisation."),
            code="grappe.startups.already_converted",
        )
    if project.stage == Stage.DROPPED:
        raise StartupError(
            _("« %(project)s » a été abandonné : reprenez-le avant de le convertir.")
            % {"project": project.name}
        )
    typed_siren = str(organisation_values.get("siren") or project.siren or "").strip()
    # Looked up as stored (« 123 456 789 » is 123456789); a value the checks refuse is left to
    # ``create_member``, which refuses it with its reason.
    siren = check_siren(typed_siren).value or ""
    siret = check_siret(str(establishment_values.get("siret") or "")).value or ""
    existing = existing_organisation(user, siren=siren, siret=siret) if (siren or siret) else None
    if existing is not None:
        shown = existing.organisation
        raise StartupError(
            _(
                "Le SIREN ou SIRET %(identifier)s est déjà au registre%(where)s : la start-up n'y est pas ajoutée en double."
            )
            % {
                "identifier": existing.identifier,
                "where": _(" (« %(name)s », fiche n° %(id)s)") % {"name": shown.name, "id": shown.pk}
                if shown
                else _(" (hors de votre territoire)"),
            },
            hint=_("Vérifiez l'identifiant, ou complétez la fiche existante et son adhésion."),
            code="grappe.startups.duplicate",
        )
    values = {"name": project.name, **organisation_values, "siren": typed_siren}
    organisation = editing.create_member(
        user=user,
        organisation_values=values,
        establishment_values=establishment_values,
        membership_values=dict(membership_values),
    )
    on = on or timezone.localdate()
    before = project.stage
    project.organisation, project.siren = organisation, organisation.siren
    project.stage, project.stage_since = Stage.MEMBER, max(on, project.stage_since)
    project.save(update_fields=["organisation", "siren", "stage", "stage_since"])
    _record_change(project, before=before, after=Stage.MEMBER, on=project.stage_since, user=user)
    audit.record_event(
        action="startups.convert", user=user, target=project, details={"organisation": organisation.pk}
    )
    return organisation


# -- reminders --------------------------------------------------------------------------------------------


@dataclass
class Reminders:
    """What ``send_reminders`` did: e-mails sent, reminders already sent before, files nobody can be told of."""

    sent: list[ReminderSent] = field(default_factory=list)
    already_sent: int = 0
    without_recipient: list[Application] = field(default_factory=list)


def _reminder_kind(application: Application, today: datetime.date) -> str:
    return ReminderSent.Kind.OVERDUE if application.due_on < today else ReminderSent.Kind.UPCOMING


def _reminder_text(application: Application, kind: str, today: datetime.date) -> tuple[str, str]:
    names = {
        "project": application.project.name,
        "programme": application.programme.name,
        "due": date_format(application.due_on),
        "days": abs((application.due_on - today).days),
    }
    if kind == ReminderSent.Kind.OVERDUE:
        subject = _("Dossier en retard : %(project)s — %(programme)s") % names
        body = _(
            "Le dossier de candidature de « %(project)s » à « %(programme)s » devait être rendu le %(due)s "
            "(il y a %(days)s jour(s)) et n'est pas marqué comme déposé.\n\nS'il a été déposé, indiquez-le sur "
            "la page du projet ; sinon, voyez avec l'équipe s'il est encore temps."
        )
    else:
        subject = _("Échéance proche : %(project)s — %(programme)s le %(due)s") % names
        body = _(
            "Le dossier de candidature de « %(project)s » à « %(programme)s » est à rendre le %(due)s, dans "
            "%(days)s jour(s).\n\nUne fois déposé, indiquez-le sur la page du projet : les relances s'arrêtent."
        )
    return subject, body % names


def send_reminders(*, today: datetime.date | None = None, days_before: int = REMIND_DAYS_BEFORE) -> Reminders:
    """E-mail each referent the application files still being prepared whose deadline is within
    ``days_before`` days or past: once per file, kind (« proche », « dépassée ») and deadline, so that running
    it every day sends each reminder once. Each e-mail is recorded in the same transaction as its sending: a
    failed sending records nothing and is tried again next run."""
    if days_before < 0:
        raise StartupError(
            _("%(days)s jours avant l'échéance : un nombre de jours positif ou nul est attendu.")
            % {"days": days_before},
            hint=_("Exemple : 14 relance les dossiers à rendre dans les 14 jours, et ceux en retard."),
        )
    today = today or timezone.localdate()
    outcome = Reminders()
    pending = (
        Application.objects.filter(
            status=Application.Status.PREPARING,
            due_on__lte=today + datetime.timedelta(days=days_before),
            project__stage__in=[stage.value for stage in Stage if stage not in (Stage.DROPPED,)],
        )
        .select_related("project__referent", "programme")
        .order_by("due_on", "pk")
    )
    applications = list(pending)
    # What was reminded before, read at once: (file, kind, deadline).
    already = set(
        ReminderSent.objects.filter(application__in=[application.pk for application in applications])
        .order_by()
        .values_list("application_id", "kind", "due_on")
    )
    for application in applications:
        kind = _reminder_kind(application, today)
        if (application.pk, kind, application.due_on) in already:
            outcome.already_sent += 1
            continue
        referent = application.project.referent
        if referent is None or not referent.email:
            outcome.without_recipient.append(application)
            continue
        try:
            with transaction.atomic():
                reminder = ReminderSent.objects.create(
                    application=application, kind=kind, due_on=application.due_on, recipient=referent.email
                )
                subject, body = _reminder_text(application, kind, today)
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [referent.email])
                audit.record_event(
                    action="startups.reminder",
                    target=application,
                    parent=application.project,
                    details={"recipient": referent.email, "due_on": application.due_on},
                )
        except IntegrityError:
            # Another run, at the same time, recorded (and sent) this reminder since it was read above.
            outcome.already_sent += 1
            continue
        outcome.sent.append(reminder)
    return outcome


def _field_label(model: type[models.Model], name: str) -> str:
    """A field's verbose name (a relation seen from the other side has none: its name then)."""
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))
