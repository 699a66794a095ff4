"""Governance: statutes as versioned data, the bodies they set up, and the mandates held on them.

The rules themselves live in ``Statutes.rules`` (the document checked by ``governance.schema``); nothing here
holds a quorum, a size or a delay of its own.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.governance import procedure_rules
from grappe.registry.models import Association, Organisation, Person, Territory


class Statutes(models.Model):
    """One version of an association's statutes, in force from its adoption until the next version's."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="statutes"
    )
    version = models.PositiveIntegerField(_("version"))
    adopted_on = models.DateField(_("adoptés le"))
    # The assembly as the statutes name it; the assemblies app will link its own record when it exists.
    adopted_by = models.CharField(_("adoptés par"), max_length=200)
    rules = models.JSONField(_("règles"), default=dict)
    # The YAML exactly as it was imported: what the association handed over is never lost.
    source_text = models.TextField(_("texte importé"), blank=True)
    created_at = models.DateTimeField(_("enregistrés le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistrés par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("statuts")
        verbose_name_plural = _("statuts")
        ordering = ["association__name", "-adopted_on", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["association", "version"], name="governance_statutes_version"),
            models.UniqueConstraint(
                fields=["association", "adopted_on"], name="governance_statutes_adopted_on"
            ),
        ]

    def __str__(self) -> str:
        return _("Statuts de %(association)s, version %(version)d (%(date)s)") % {
            "association": self.association.short_name or self.association.name,
            "version": self.version,
            "date": self.adopted_on.strftime("%d/%m/%Y"),
        }


class Body(models.Model):
    """A body the statutes set up (board, bureau, territorial committee). ``code`` is its organ in the statutes
    (``organes.<code>``), where its size, term and renewal are read; the territorial committees share one organ
    code, one body per territory."""

    class Kind(models.TextChoices):
        BOARD = "board", _("conseil d'administration")
        BUREAU = "bureau", _("bureau")
        COMMITTEE = "committee", _("comité territorial")
        OTHER = "other", _("autre organe")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="bodies"
    )
    code = models.CharField(_("code dans les statuts"), max_length=40)
    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    territory = models.ForeignKey(
        Territory,
        verbose_name=_("territoire"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bodies",
    )

    class Meta:
        verbose_name = _("organe")
        verbose_name_plural = _("organes")
        ordering = ["association__name", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "code"],
                condition=models.Q(territory__isnull=True),
                name="governance_body_code",
            ),
            models.UniqueConstraint(
                fields=["association", "code", "territory"],
                condition=models.Q(territory__isnull=False),
                name="governance_body_code_territory",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.association.short_name or self.association.name})"


class Mandate(models.Model):
    """A seat held by a person on a body, for the member organisation they represent, over a period.

    Held from ``starts_on`` up to the day before it ends: the assembly that renews a seat ends the outgoing
    mandate and starts the next one on the same day, and that day's composition is the new one. It ends on
    ``ended_on`` when cut short (resignation, loss of eligibility), otherwise on ``term_ends_on``. Never deleted:
    the body's composition on any past date can be read back.
    """

    class Role(models.TextChoices):
        PRESIDENT = "president", _("président·e")
        VICE_PRESIDENT = "vice_president", _("vice-président·e")
        TREASURER = "treasurer", _("trésorier·e")
        SECRETARY = "secretary", _("secrétaire")
        MEMBER = "member", _("membre")

    body = models.ForeignKey(
        Body, verbose_name=_("organe"), on_delete=models.PROTECT, related_name="mandates"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("personne"), on_delete=models.PROTECT, related_name="mandates"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation représentée"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    role = models.CharField(_("fonction"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    college = models.CharField(_("collège"), max_length=40, blank=True)
    # The transitional clause whose reserved seats this mandate fills (its code in the statutes).
    reserved_seat = models.CharField(_("siège réservé (disposition transitoire)"), max_length=40, blank=True)
    starts_on = models.DateField(_("depuis le"))
    term_ends_on = models.DateField(_("fin du mandat prévue le"), null=True, blank=True)
    ended_on = models.DateField(_("fin anticipée le"), null=True, blank=True)
    end_reason = models.CharField(_("motif de fin"), max_length=200, blank=True)
    elected_by = models.CharField(_("élu·e par"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        ordering = ["body", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_ends_on__isnull=True)
                | models.Q(term_ends_on__gt=models.F("starts_on")),
                name="governance_mandate_term_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("starts_on")),
                name="governance_mandate_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["body", "starts_on"])]

    def __str__(self) -> str:
        return _("%(person)s, %(role)s de %(body)s") % {
            "person": self.person,
            "role": self.get_role_display(),
            "body": self.body.name,
        }

    @property
    def until(self) -> datetime.date | None:
        """The first day the seat is no longer held (early end first), None while open-ended."""
        return self.ended_on or self.term_ends_on

    def held_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.until is None or day < self.until)


class MergerProcedure(models.Model):
    """The legal procedure of one merger (loi 1901 art. 9 bis, décret du 16 août 1901 art. 15-1 à 15-4): the
    delays it is held to and the figures its deadlines hang on. Its steps are ``ProcedureStep`` rows; the
    deadlines are computed by ``governance.procedure_rules``, never stored."""

    merger = models.OneToOneField(
        "mergers.Merger", verbose_name=_("fusion"), on_delete=models.PROTECT, related_name="procedure"
    )
    board_lead_months = models.PositiveSmallIntegerField(
        _("délai entre traité et assemblées (mois)"),
        default=procedure_rules.BOARD_LEAD_MONTHS,
        help_text=_("Le traité est adopté par chaque conseil au moins ce délai avant la première assemblée."),
    )
    notice_days = models.PositiveSmallIntegerField(
        _("délai de l'avis d'annonce légale (jours)"), default=procedure_rules.NOTICE_DAYS
    )
    documents_days = models.PositiveSmallIntegerField(
        _("délai de mise à disposition des documents (jours)"), default=procedure_rules.DOCUMENTS_DAYS
    )
    contributions_euros = models.DecimalField(
        _("montant des apports (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("À partir de 1 550 000 €, un commissaire à la fusion doit établir un rapport."),
    )
    treaty_effective_on = models.DateField(
        _("date d'effet fixée par le traité"),
        null=True,
        blank=True,
        help_text=_("Vide : la fusion prend effet au dernier vote favorable."),
    )
    notice_journal = models.CharField(_("journal d'annonces légales"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("procédure de fusion")
        verbose_name_plural = _("procédures de fusion")

    def __str__(self) -> str:
        return _("Procédure de fusion : %(merger)s") % {"merger": self.merger}


class ProcedureStep(models.Model):
    """One step of a merger procedure as done: when, by which association for the per-association steps, and
    the document that proves it."""

    class Kind(models.TextChoices):
        BOARD = procedure_rules.Kind.BOARD.value, _("Traité de fusion adopté par le conseil")
        NOTICE = procedure_rules.Kind.NOTICE.value, _("Avis dans un journal d'annonces légales")
        DOCUMENTS = procedure_rules.Kind.DOCUMENTS.value, _("Documents mis à disposition des membres")
        AUDITOR = procedure_rules.Kind.AUDITOR.value, _("Rapport du commissaire à la fusion")
        ASSEMBLY = procedure_rules.Kind.ASSEMBLY.value, _("Assemblée générale extraordinaire")
        PREFECTURE = procedure_rules.Kind.PREFECTURE.value, _("Déclaration en préfecture")
        REGISTER = procedure_rules.Kind.REGISTER.value, _("Inscription au registre spécial")
        SIRENE = procedure_rules.Kind.SIRENE.value, _("Mise à jour SIRENE")

    PER_ASSOCIATION = (Kind.BOARD, Kind.ASSEMBLY)

    procedure = models.ForeignKey(
        MergerProcedure, verbose_name=_("procédure"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("étape"), max_length=20, choices=Kind.choices)
    association = models.ForeignKey(
        Association,
        verbose_name=_("association"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Pour l'adoption du traité par le conseil et l'assemblée : l'association concernée."),
    )
    planned_on = models.DateField(_("prévue le"), null=True, blank=True)
    done_on = models.DateField(_("faite le"), null=True, blank=True)
    approved = models.BooleanField(_("fusion approuvée"), null=True, blank=True)
    document = models.FileField(
        _("document"), upload_to="governance/procedures/%Y/%m/", max_length=300, blank=True
    )
    document_name = models.CharField(_("nom du document"), max_length=255, blank=True)
    note = models.CharField(_("remarque"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("étape de procédure de fusion")
        verbose_name_plural = _("étapes de procédure de fusion")
        ordering = ["procedure", "kind", "association__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "kind", "association"],
                condition=models.Q(association__isnull=False),
                name="governance_step_per_association",
            ),
            models.UniqueConstraint(
                fields=["procedure", "kind"],
                condition=models.Q(association__isnull=True),
                name="governance_step_common",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} ({self.association})" if self.association_id else str(label)
