"""Start-up sourcing (issue 12, point 5): projects in a pipeline, partner programmes, application files.

A ``StartupProject`` is a company in the making (or a young one) that a territory's staff follows: its stage in
the pipeline, its territory and referent, its founders (registry ``Person``), the programmes it joins. Every
stage move is a ``StageChange`` row (from, to, on which day, who, why) as well as an audit event: the rows give
the reports their time in stage, the audit log the usual history. Converting a project into a member keeps
the project and links it to the ``Organisation`` created: its history shows on the organisation's timeline.

An ``Application`` is a file submitted to a programme (a French Tech label, an accelerator's call) with its
deadline; ``ReminderSent`` records each reminder e-mailed about it, so that the reminder command sends it once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import Organisation, Person, StaffMember, Territory
from grappe.startups.stages import Stage

STAGE_LABELS = {
    Stage.SOURCED: _("repérée"),
    Stage.QUALIFIED: _("qualifiée"),
    Stage.ACCOMPANIED: _("accompagnée"),
    Stage.LABELLED: _("labellisée / accélérée"),
    Stage.MEMBER: _("adhérente"),
    Stage.DROPPED: _("abandonnée"),
}
STAGE_CHOICES = [(stage.value, label) for stage, label in STAGE_LABELS.items()]


class Programme(models.Model):
    """A partner programme a start-up may join: an accelerator, a label, an incubator."""

    class Kind(models.TextChoices):
        ACCELERATOR = "accelerator", _("accélérateur")
        LABEL = "label", _("label")
        INCUBATOR = "incubator", _("incubateur")
        OTHER = "other", _("autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    operator = models.CharField(_("porté par"), max_length=200, blank=True)
    website = models.URLField(_("site web"), blank=True)

    class Meta:
        verbose_name = _("programme partenaire")
        verbose_name_plural = _("programmes partenaires")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StartupProject(models.Model):
    name = models.CharField(_("nom du projet"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True)
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="startup_projects"
    )
    referent = models.ForeignKey(
        StaffMember,
        verbose_name=_("référent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="startup_projects",
    )
    stage = models.CharField(_("étape"), max_length=20, choices=STAGE_CHOICES, default=Stage.SOURCED)
    stage_since = models.DateField(_("à cette étape depuis"))
    dropped_reason = models.CharField(_("motif de l'abandon"), max_length=300, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    website = models.URLField(_("site web"), blank=True)
    founders = models.ManyToManyField(
        Person, verbose_name=_("fondateurs et contacts"), blank=True, related_name="startup_projects"
    )
    programmes = models.ManyToManyField(
        Programme, verbose_name=_("programmes partenaires"), blank=True, related_name="projects"
    )
    # Set by the conversion into a member: the project stays, its history read from the organisation's page.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation adhérente"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="startup_projects",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("projet de start-up")
        verbose_name_plural = _("projets de start-up")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["territory", "stage"])]

    def __str__(self) -> str:
        return self.name

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[Stage(self.stage)])


class StageChange(models.Model):
    """One move of a project in the pipeline (its creation is the first, from no stage)."""

    project = models.ForeignKey(
        StartupProject, verbose_name=_("projet"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("de l'étape"), max_length=20, choices=STAGE_CHOICES, blank=True)
    to_stage = models.CharField(_("à l'étape"), max_length=20, choices=STAGE_CHOICES)
    on = models.DateField(_("le"))
    at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(_("auteur"), max_length=150)
    reason = models.CharField(_("motif"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("changement d'étape")
        verbose_name_plural = _("changements d'étape")
        ordering = ["project", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.project} : {self.from_stage or '—'} → {self.to_stage}"


class Application(models.Model):
    """A project's application file to a programme, due on a date."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("en préparation")
        SUBMITTED = "submitted", _("déposé")
        ACCEPTED = "accepted", _("retenu")
        REFUSED = "refused", _("non retenu")
        WITHDRAWN = "withdrawn", _("retiré")

    project = models.ForeignKey(
        StartupProject, verbose_name=_("projet"), on_delete=models.CASCADE, related_name="applications"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="applications"
    )
    due_on = models.DateField(_("à rendre le"))
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PREPARING)
    submitted_on = models.DateField(_("déposé le"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("dossier de candidature")
        verbose_name_plural = _("dossiers de candidature")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.project} — {self.programme}"


class ReminderSent(models.Model):
    """A reminder e-mailed about an application: one per application, kind and deadline (a deadline moved
    later is a new deadline, reminded again)."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", _("échéance proche")
        OVERDUE = "overdue", _("échéance dépassée")

    application = models.ForeignKey(
        Application, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("échéance rappelée"))
    recipient = models.EmailField(_("destinataire"))
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relance envoyée")
        verbose_name_plural = _("relances envoyées")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "due_on"], name="one_reminder_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} ({self.kind}, {self.due_on})"
