"""The staging side of an import: the uploaded file and its progress, saved column mappings, found issues.

What an import finally writes lives in the registry (``SourceFile``, ``SourceRecord``, ``Lineage`` and the
organisations they feed); these models only follow a file from its upload to that point.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import Association, SourceFile


class ImportJob(models.Model):
    """One uploaded export on its way into the registry: upload → mapping → validation → import."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("déposé")
        VALIDATING = "validating", _("validation en cours")
        VALIDATED = "validated", _("validé")
        IMPORTING = "importing", _("import en cours")
        IMPORTED = "imported", _("importé")
        FAILED = "failed", _("échec")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    file = models.FileField(_("fichier"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, db_index=True)
    size = models.BigIntegerField(_("taille (octets)"))
    file_format = models.CharField(_("format"), max_length=10)
    sheet = models.CharField(_("feuille"), max_length=120, blank=True)
    header_line = models.PositiveIntegerField(_("ligne d'en-tête"), default=1)
    headers = models.JSONField(_("en-têtes"), default=list)
    # Column index (as text: JSON keys are strings) → field name of grappe.intake.headers.FIELDS.
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    row_count = models.PositiveIntegerField(_("lignes"), default=0)
    valid_row_count = models.PositiveIntegerField(_("lignes valides"), default=0)
    invalid_row_count = models.PositiveIntegerField(_("lignes en erreur"), default=0)
    error_count = models.PositiveIntegerField(_("erreurs"), default=0)
    warning_count = models.PositiveIntegerField(_("avertissements"), default=0)
    imported_count = models.PositiveIntegerField(_("lignes importées"), default=0)
    rejected_count = models.PositiveIntegerField(_("lignes rejetées"), default=0)
    failure = models.TextField(_("motif de l'échec"), blank=True)
    source_file = models.ForeignKey(
        SourceFile,
        verbose_name=_("fichier importé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.association}"

    @property
    def column_mapping(self) -> dict[int, str]:
        return {int(index): field for index, field in self.mapping.items()}

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.VALIDATING, self.Status.IMPORTING}


class SavedMapping(models.Model):
    """A column mapping an association's staff saved under a name, to reuse with its next exports."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="saved_mappings"
    )
    name = models.CharField(_("nom"), max_length=120)
    # Normalised header (grappe.intake.headers.normalise_header) → field name; headers, not positions,
    # because the next export of the same tool may order its columns differently.
    mapping = models.JSONField(_("correspondance"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("correspondance enregistrée")
        verbose_name_plural = _("correspondances enregistrées")
        ordering = ["association__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="unique_saved_mapping_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.association})"


class ImportIssue(models.Model):
    """One issue the validation of a job found, stored so that the report pages and filters stay cheap."""

    class Severity(models.TextChoices):
        ERROR = "error", _("erreur")
        WARNING = "warning", _("avertissement")
        # A value kept as written, not refused (a local phone number): said in the report, counted apart.
        INFO = "info", _("remarque")

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="issues"
    )
    line = models.PositiveIntegerField(_("ligne"))
    column = models.CharField(_("colonne"), max_length=255, blank=True)
    field = models.CharField(_("champ"), max_length=40, blank=True)
    value = models.TextField(_("valeur"), blank=True)
    expected = models.CharField(_("attendu"), max_length=255, blank=True)
    message = models.TextField(_("anomalie"))
    code = models.CharField(_("code"), max_length=60)
    severity = models.CharField(_("gravité"), max_length=8, choices=Severity.choices)
    company = models.CharField(_("entreprise"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("anomalie d'import")
        verbose_name_plural = _("anomalies d'import")
        ordering = ["job", "line", "pk"]
        indexes = [
            models.Index(fields=["job", "severity", "line"]),
            models.Index(fields=["job", "column", "line"]),
        ]

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"
