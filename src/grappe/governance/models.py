"""Governance: statutes as versioned data, the bodies they set up, and the mandates held on them.

The rules themselves live in ``Statutes.rules`` (the document checked by ``governance.schema``); nothing here
holds a quorum, a size or a delay of its own.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
