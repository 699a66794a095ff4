"""The merger workflow's records: a merger, its candidate pairs and their review, the decisions remembered for
later runs, the snapshot that makes a merger undoable, and the append-only audit log.

Candidate pairs name organisations by id and keep a copy of what each side looked like when the plan ran
(``left_values`` / ``right_values``): applying a merger deletes the absorbed duplicates, and the review and the
report must still read the same afterwards.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import Association, SourceFile


class Merger(models.Model):
    """One association absorbing another (or two merging into a new one), from plan to report or undo."""

    class Kind(models.TextChoices):
        ABSORPTION = "absorption", _("absorption")
        FUSION = "fusion", _("fusion (création d'une nouvelle association)")
        DEDUPLICATION = "deduplication", _("dédoublonnage du registre d'une association")

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        PLANNED = "planned", _("planifiée")
        APPLIED = "applied", _("appliquée")
        UNDONE = "undone", _("annulée")
        # A plan dropped before it was applied: the registry never changed; its decisions stay remembered.
        ABANDONED = "abandoned", _("abandonnée")

    absorbing = models.ForeignKey(
        Association,
        verbose_name=_("association absorbante"),
        on_delete=models.PROTECT,
        related_name="mergers_as_absorbing",
    )
    absorbed = models.ForeignKey(
        Association,
        verbose_name=_("association absorbée"),
        on_delete=models.PROTECT,
        related_name="mergers_as_absorbed",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.ABSORPTION)
    resulting_name = models.CharField(
        _("nom de l'association issue de la fusion"),
        max_length=200,
        blank=True,
        help_text=_("Fusion seulement : l'association créée à l'application, qui absorbe les deux."),
    )
    resulting_association = models.ForeignKey(
        Association,
        verbose_name=_("association issue de la fusion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    vote_on = models.DateField(_("date du vote"), null=True, blank=True)
    effective_on = models.DateField(_("date d'effet"))
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    keep_name_as_brand = models.BooleanField(_("garder le nom comme marque"), default=False)
    membership_type_mapping = models.JSONField(
        _("correspondance des types d'adhésion"),
        default=dict,
        blank=True,
        help_text=_("Type d'adhésion de l'absorbée → type chez l'absorbante ; confirmée par l'utilisateur."),
    )
    mapping_confirmed = models.BooleanField(_("correspondance confirmée"), default=False)
    source_file = models.ForeignKey(
        SourceFile,
        verbose_name=_("fichier importé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    settings = models.JSONField(_("réglages du rapprochement"), default=dict, blank=True)
    summary = models.JSONField(_("résumé du plan"), default=dict, blank=True)
    outcome = models.JSONField(_("résultat de l'application"), default=dict, blank=True)
    checksum_before = models.CharField(_("empreinte avant"), max_length=64, blank=True)
    checksum_after = models.CharField(_("empreinte après"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    planned_at = models.DateTimeField(_("planifiée le"), null=True, blank=True)
    applied_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(_("appliquée le"), null=True, blank=True)
    undone_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    abandoned_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    abandoned_at = models.DateTimeField(_("abandonnée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("fusion")
        verbose_name_plural = _("fusions")
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_merger", _("Peut préparer, réviser, appliquer et annuler une fusion"))]
        constraints = [
            # An association is absorbed once: a second live merger of the same absorbed network is refused.
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=Q(status__in=["draft", "planned", "applied"]) & ~Q(kind="deduplication"),
                name="one_live_merger_per_absorbed_association",
            ),
            # A registry has one deduplication in preparation at a time: a second would ask the same pairs.
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=Q(status__in=["draft", "planned"]) & Q(kind="deduplication"),
                name="one_pending_deduplication_per_association",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DEDUPLICATION:
            return f"Dédoublonnage de {self.absorbed}"
        return f"{self.absorbed} → {self.absorbing}"


class CandidatePair(models.Model):
    """Two organisations the linkage engine thinks may be one company, and the review decision on them.

    ``left`` is always a member brought by the absorbed association; ``right`` is the absorber's member
    (``kind`` cross) or another member of the absorbed association (``kind`` internal: a duplicate inside its
    export). Organisation ids are kept as numbers: an applied merger deletes the absorbed duplicates.
    """

    class Kind(models.TextChoices):
        CROSS = "cross", _("absorbée ↔ absorbante")
        INTERNAL = "internal", _("doublon interne")

    class Band(models.TextChoices):
        AUTO_MATCH = "auto_match", _("rapprochement sûr")
        REVIEW = "review", _("à vérifier")
        NON_MATCH = "non_match", _("différentes")

    class Decision(models.TextChoices):
        PENDING = "pending", _("en attente")
        ACCEPTED = "accepted", _("même entreprise")
        REJECTED = "rejected", _("pas la même entreprise")
        SKIPPED = "skipped", _("passée")

    # Still waiting for a person: never decided, or put aside with « passer ».
    UNDECIDED = (Decision.PENDING, Decision.SKIPPED)

    merger = models.ForeignKey(
        Merger, verbose_name=_("fusion"), on_delete=models.CASCADE, related_name="pairs"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.CROSS)
    left_org_id = models.PositiveBigIntegerField(_("organisation apportée (id)"), db_index=True)
    right_org_id = models.PositiveBigIntegerField(_("organisation rapprochée (id)"), db_index=True)
    left_record_id = models.CharField(_("enregistrement apporté"), max_length=40)
    right_record_id = models.CharField(_("enregistrement rapproché"), max_length=40)
    left_label = models.CharField(_("organisation apportée"), max_length=300)
    right_label = models.CharField(_("organisation rapprochée"), max_length=300)
    left_values = models.JSONField(_("valeurs apportées"), default=dict)
    right_values = models.JSONField(_("valeurs rapprochées"), default=dict)
    match_probability = models.FloatField(_("probabilité"))
    match_weight = models.FloatField(_("poids"))
    band = models.CharField(_("bande"), max_length=12, choices=Band.choices)
    identifier_rule = models.CharField(_("règle d'identifiant"), max_length=40, blank=True)
    # Place in the engine's order of questions (the answer that teaches the model most first); None for a
    # pair the engine would not ask (decided, or settled by an identifier rule).
    question_rank = models.PositiveIntegerField(_("rang de la question"), null=True, blank=True)
    evidence = models.JSONField(_("éléments de preuve"), default=list, blank=True)
    conflicts = models.JSONField(
        _("conflits"),
        default=list,
        blank=True,
        help_text=_("Codes : siren_conflict, siret_conflict, several_targets…"),
    )
    decision = models.CharField(
        _("décision"), max_length=10, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(_("décidée par"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("paire candidate")
        verbose_name_plural = _("paires candidates")
        # The review queue: most uncertain first (probability nearest 0.5).
        ordering = ["merger", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["merger", "left_org_id", "right_org_id"], name="unique_candidate_pair"
            )
        ]
        indexes = [models.Index(fields=["merger", "band", "decision"])]

    def __str__(self) -> str:
        return f"{self.left_label} ↔ {self.right_label} ({self.match_probability:.2f})"

    @staticmethod
    def undecided(prefix: str = "") -> models.Q:
        """Pairs to review still waiting for a person; ``prefix`` reaches them from another model ("pairs__")."""
        return models.Q(
            **{f"{prefix}band": CandidatePair.Band.REVIEW, f"{prefix}decision__in": CandidatePair.UNDECIDED}
        )

    @property
    def is_match(self) -> bool:
        """Whether apply folds the two: accepted, or sure and not rejected."""
        if self.decision == self.Decision.ACCEPTED:
            return True
        return self.band == self.Band.AUTO_MATCH and self.decision == self.Decision.PENDING

    def outcome(self, *, applied: bool, kept_apart: bool = False) -> str:
        """What became (or becomes, once applied) of the pair, and on whose word: the one wording of the
        report, its CSV and ``decisions.csv``. A sure pair nobody needed to decide is « rapprochement sûr »,
        never « en attente »."""
        who = {"who": self.decided_by_label}
        if kept_apart:
            return str(_("gardées séparées (une autre organisation de l'absorbante était plus proche)"))
        if self.decision == self.Decision.ACCEPTED:
            merged = (
                _("fusionnées (décision de %(who)s)") if applied else _("à fusionner (décision de %(who)s)")
            )
            return str(merged) % who
        if self.decision == self.Decision.REJECTED:
            return str(_("gardées séparées (décision de %(who)s)")) % who
        if self.is_match:
            return str(
                _("fusionnées (rapprochement sûr)") if applied else _("à fusionner (rapprochement sûr)")
            )
        if self.band == self.Band.NON_MATCH:
            return str(_("gardées séparées (différentes)"))
        return str(_("gardées séparées (sans décision)") if applied else _("en attente de décision"))


class PairDecision(models.Model):
    """A person's decision on two organisations, remembered for every later linkage run."""

    class Decision(models.TextChoices):
        MATCH = "match", _("même entreprise")
        NON_MATCH = "non_match", _("pas la même entreprise")

    low_org_id = models.PositiveBigIntegerField(_("organisation (plus petit id)"))
    high_org_id = models.PositiveBigIntegerField(_("organisation (plus grand id)"))
    low_label = models.CharField(max_length=300, blank=True)
    high_label = models.CharField(max_length=300, blank=True)
    decision = models.CharField(_("décision"), max_length=10, choices=Decision.choices)
    merger = models.ForeignKey(
        Merger, verbose_name=_("fusion"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(_("décidée par"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), auto_now=True)

    class Meta:
        verbose_name = _("décision mémorisée")
        verbose_name_plural = _("décisions mémorisées")
        constraints = [
            models.UniqueConstraint(fields=["low_org_id", "high_org_id"], name="unique_pair_decision"),
            models.CheckConstraint(condition=Q(low_org_id__lt=models.F("high_org_id")), name="ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.low_label} / {self.high_label} : {self.get_decision_display()}"


class MergerSnapshot(models.Model):
    """The rows an applied merger touched, as they were before it: enough to restore them exactly."""

    merger = models.OneToOneField(Merger, on_delete=models.CASCADE, related_name="snapshot")
    data = models.JSONField(_("lignes avant application"))
    touched_checksum = models.CharField(
        _("empreinte des lignes après application"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instantané")
        verbose_name_plural = _("instantanés")

    def __str__(self) -> str:
        return f"Instantané de {self.merger}"


class AuditEntry(models.Model):
    """One action on a merger: who, when, what. Append-only: the services only ever create entries."""

    class Action(models.TextChoices):
        IMPORT = "import", _("import du fichier")
        PLAN = "plan", _("plan")
        DECIDE = "decide", _("décision")
        BULK_ACCEPT = "bulk_accept", _("acceptation groupée")
        IMPORT_DECISIONS = "import_decisions", _("import de décisions")
        MAPPING = "mapping", _("correspondance des types d'adhésion")
        APPLY = "apply", _("application")
        APPLY_FAILED = "apply_failed", _("échec de l'application")
        UNDO = "undo", _("annulation")
        ABANDON = "abandon", _("abandon du plan")
        REPORT = "report", _("rapport")

    merger = models.ForeignKey(
        Merger, verbose_name=_("fusion"), null=True, on_delete=models.PROTECT, related_name="audit"
    )
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(_("auteur"), max_length=150)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des fusions")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor} : {self.get_action_display()}"


class PlanJob(models.Model):
    """A plan asked for from the web, run in the background: the form's choices, the uploaded export and its
    column mapping, then the plan's failure (located, nothing changed) or the merger it made.

    The plan itself is ``services.plan_merger``, one transaction: a job interrupted by a restart rolled back,
    and is started again from its page (``grappe.jobs`` tells a live step from one a dead process left)."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("correspondance des colonnes à vérifier")
        READY = "ready", _("prêt à lancer")
        RUNNING = "running", _("en cours")
        PLANNED = "planned", _("plan prêt")
        FAILED = "failed", _("échec")

    class MappingSource(models.TextChoices):
        RECOGNISED = "recognised", _("en-têtes reconnus")
        SAVED = "saved", _("correspondance enregistrée")
        CHECKED = "checked", _("vérifiée sur la page de correspondance")

    absorbing = models.ForeignKey(
        Association, verbose_name=_("association absorbante"), on_delete=models.PROTECT, related_name="+"
    )
    absorbed = models.ForeignKey(
        Association, verbose_name=_("association absorbée"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=Merger.Kind.choices, default=Merger.Kind.ABSORPTION
    )
    resulting_name = models.CharField(
        _("nom de l'association issue de la fusion"), max_length=200, blank=True
    )
    vote_on = models.DateField(_("date du vote"), null=True, blank=True)
    effective_on = models.DateField(_("date d'effet"))
    keep_name_as_brand = models.BooleanField(_("garder le nom comme marque"), default=False)
    file = models.FileField(_("export"), upload_to="mergers/exports/%Y/%m/", max_length=300, blank=True)
    original_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    sheet = models.CharField(_("feuille"), max_length=120, blank=True)
    headers = models.JSONField(_("en-têtes"), default=list, blank=True)
    # Column index (as text: JSON keys are strings) → field name of grappe.intake.headers.FIELDS.
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict, blank=True)
    mapping_source = models.CharField(
        _("origine de la correspondance"),
        max_length=12,
        choices=MappingSource.choices,
        default=MappingSource.RECOGNISED,
    )
    mapping_name = models.CharField(_("correspondance enregistrée"), max_length=120, blank=True)
    # Set when the export was imported into the absorbed association before: the plan reads the registry.
    source_file = models.ForeignKey(
        SourceFile,
        verbose_name=_("fichier déjà importé"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    skip_invalid = models.BooleanField(_("n'importer que les lignes valides"), default=False)
    # The country of the export's rows that have no « Pays » column (ISO alpha-2).
    country = models.CharField(_("pays par défaut"), max_length=2, default="FR")
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.READY)
    # {"message", "hint", "location", "code", "summary": {rows, invalid_rows, errors, warnings} | None,
    #  "issues": [{line, column, value, expected, message, severity}, …] (the first ones), "issues_total"}.
    failure = models.JSONField(_("échec"), default=dict, blank=True)
    merger = models.ForeignKey(
        Merger, verbose_name=_("fusion"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("lancé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("préparation de plan")
        verbose_name_plural = _("préparations de plan")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Plan {self.absorbed} → {self.absorbing} ({self.get_status_display()})"

    @property
    def column_mapping(self) -> dict[int, str]:
        return {int(index): field for index, field in self.mapping.items()}

    @property
    def imports_the_export(self) -> bool:
        """Whether the plan imports the export first (a file given, and not imported before)."""
        return bool(self.file) and self.source_file_id is None


class MergerJob(models.Model):
    """Apply, undo or the report's files of a merger asked for from the web, run on the task queue
    (``grappe.mergers.actions``): who asked, when it ran, and its outcome — done, or the French reason it failed
    (nothing changed: apply and undo are each one transaction; a report's files are renamed into place once
    complete). A job interrupted by a restart rolled back too, and is asked for again."""

    class Action(models.TextChoices):
        APPLY = "apply", _("application")
        UNDO = "undo", _("annulation")
        REPORT = "report", _("préparation du rapport")
        RECOMPUTE = "recompute", _("nouveau calcul du plan")

    class Status(models.TextChoices):
        QUEUED = "queued", _("en attente")
        RUNNING = "running", _("en cours")
        DONE = "done", _("terminée")
        FAILED = "failed", _("échec")

    merger = models.ForeignKey(
        Merger, verbose_name=_("fusion"), on_delete=models.CASCADE, related_name="jobs"
    )
    action = models.CharField(_("opération"), max_length=10, choices=Action.choices)
    accept_auto_only = models.BooleanField(_("sans décision : nouveaux adhérents"), default=False)
    # The language a report is written in: the one of the person who asked for it.
    language = models.CharField(_("langue"), max_length=10, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    # {"message", "hint"}: why the job failed, as the page shows it.
    failure = models.JSONField(_("échec"), default=dict, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("lancé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("opération sur une fusion")
        verbose_name_plural = _("opérations sur les fusions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.merger_id} ({self.get_status_display()})"
