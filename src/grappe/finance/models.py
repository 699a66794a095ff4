"""Fee schedules, dues and payments.

A ``FeeSchedule`` is one association's fee rule for one year, as its AGO voted it; ``FeeBracket`` and
``FlatRate`` are its lines. ``Due`` is what one membership owes for a year under a schedule, with the lines
that made its amount. A ``Payment`` is money received from an organisation (a transfer, a cheque, a card
payment); ``Allocation`` says which dues it settles, so that one transfer can pay several dues and one due be
paid in several instalments.

Dues and payments are accounting records: nothing here is ever deleted by the code. A due issued by mistake is
cancelled (it stays, with who cancelled it and why), and a merger repoints dues and payments to the survivor
(``dependents.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan
from django.utils.translation import gettext_lazy as _

from grappe.finance import (
    budget_models,  # noqa: F401  (budgets, action plans, the network's own memberships: their own module)
    fees,
)
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.registry.models import Association, Membership, MembershipType, Organisation

HEADCOUNT_CHOICES = [(code, f"{code} — {_(bracket.label)}") for code, bracket in HEADCOUNT_BRACKETS.items()]
FLAT_CATEGORY_CHOICES = [
    (value, label) for value, label in MembershipType.FeeCategory.choices if value in fees.FLAT_CATEGORIES
]


class FeeSchedule(models.Model):
    class Basis(models.TextChoices):
        HEADCOUNT = fees.BY_HEADCOUNT, _("tranche d'effectif INSEE")
        TURNOVER = fees.BY_TURNOVER, _("chiffre d'affaires")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="fee_schedules"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    voted_on = models.DateField(_("voté en AGO le"))
    basis = models.CharField(
        _("barème des entreprises selon"), max_length=12, choices=Basis.choices, default=Basis.HEADCOUNT
    )
    first_year_discount_percent = models.PositiveSmallIntegerField(
        _("remise de première année (%)"), default=0
    )
    prorata_by_month = models.BooleanField(
        _("au prorata du mois d'adhésion"),
        default=True,
        help_text=_("L'année d'adhésion, un membre entré au mois m paie (13 − m) douzièmes."),
    )
    due_on = models.DateField(_("date d'échéance"))
    grace_until = models.DateField(
        _("à jour jusqu'au"),
        null=True,
        blank=True,
        help_text=_(
            "Jusqu'à cette date, un membre qui n'a pas encore payé la cotisation de l'année reste à jour."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("barème de cotisation")
        verbose_name_plural = _("barèmes de cotisation")
        ordering = ["association__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["association", "year"], name="finance_one_schedule_a_year"),
            models.CheckConstraint(
                condition=Q(first_year_discount_percent__lte=100), name="finance_discount_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return _("Barème %(year)s de %(association)s") % {"year": self.year, "association": self.association}

    def rules(self) -> fees.FeeRules:
        """The schedule as the pure rule reads it, checked (``fees.FeeError`` if inconsistent)."""
        brackets = list(self.brackets.all())
        return fees.check_rules(
            fees.FeeRules(
                basis=self.basis,
                headcount_tiers=tuple(
                    fees.HeadcountTier(b.headcount_low, b.headcount_high, fees.to_cents(b.amount))
                    for b in brackets
                    if b.headcount_low
                ),
                turnover_tiers=tuple(
                    fees.TurnoverTier(
                        None if b.turnover_up_to is None else fees.to_cents(b.turnover_up_to),
                        fees.to_cents(b.amount),
                    )
                    for b in sorted(
                        (b for b in brackets if not b.headcount_low),
                        key=lambda b: (b.turnover_up_to is None, b.turnover_up_to or 0),
                    )
                ),
                flat_cents={rate.category: fees.to_cents(rate.amount) for rate in self.flat_rates.all()},
                first_year_discount_percent=self.first_year_discount_percent,
                prorata_by_month=self.prorata_by_month,
            )
        )


class FeeBracket(models.Model):
    """A company bracket: INSEE headcount codes from ``headcount_low`` to ``headcount_high``, or a turnover up
    to ``turnover_up_to`` (empty: no ceiling), per the schedule's basis."""

    schedule = models.ForeignKey(
        FeeSchedule, verbose_name=_("barème"), on_delete=models.CASCADE, related_name="brackets"
    )
    headcount_low = models.CharField(
        _("de la tranche d'effectif"), max_length=2, choices=HEADCOUNT_CHOICES, blank=True
    )
    headcount_high = models.CharField(
        _("à la tranche d'effectif"), max_length=2, choices=HEADCOUNT_CHOICES, blank=True
    )
    turnover_up_to = models.DecimalField(
        _("chiffre d'affaires jusqu'à (€)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("cotisation annuelle (€)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("tranche du barème")
        verbose_name_plural = _("tranches du barème")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="finance_bracket_not_negative")
        ]

    def __str__(self) -> str:
        if self.headcount_low:
            return f"{self.headcount_low}–{self.headcount_high} : {self.amount} €"
        return f"≤ {self.turnover_up_to or '∞'} € : {self.amount} €"


class FlatRate(models.Model):
    """The flat fee of a category (schools and labs, public bodies, associations, start-ups, individuals)."""

    schedule = models.ForeignKey(
        FeeSchedule, verbose_name=_("barème"), on_delete=models.CASCADE, related_name="flat_rates"
    )
    category = models.CharField(_("catégorie"), max_length=30, choices=FLAT_CATEGORY_CHOICES)
    amount = models.DecimalField(_("cotisation annuelle (€)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("forfait")
        verbose_name_plural = _("forfaits")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "category"], name="finance_one_flat_rate_per_category"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="finance_flat_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} : {self.amount} €"


class Due(models.Model):
    """What a membership owes for a schedule's year. ``amount = base - prorata - discount``."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("adhésion"), on_delete=models.PROTECT, related_name="dues"
    )
    schedule = models.ForeignKey(
        FeeSchedule, verbose_name=_("barème"), on_delete=models.PROTECT, related_name="dues"
    )
    # Denormalised from the schedule: good standing and the dues page filter on it for 100,000s of rows.
    year = models.PositiveSmallIntegerField(_("année"), db_index=True)
    base_amount = models.DecimalField(_("cotisation pleine"), max_digits=10, decimal_places=2)
    prorata_amount = models.DecimalField(
        _("réduction au prorata"), max_digits=10, decimal_places=2, default=0
    )
    discount_amount = models.DecimalField(
        _("remise de première année"), max_digits=10, decimal_places=2, default=0
    )
    amount = models.DecimalField(_("montant dû"), max_digits=10, decimal_places=2)
    months = models.PositiveSmallIntegerField(_("mois dus"), default=12)
    due_on = models.DateField(_("échéance"))
    created_at = models.DateTimeField(_("émise le"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    cancel_reason = models.CharField(_("motif d'annulation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cotisation due")
        verbose_name_plural = _("cotisations dues")
        ordering = ["-year", "membership__organisation__name"]
        constraints = [
            models.CheckConstraint(
                # Within half a cent, not equal: SQLite keeps decimals as binary floats, where
                # 150.10 - 75.05 is not exactly 75.05.
                condition=Q(
                    LessThan(
                        Abs(F("amount") - (F("base_amount") - F("prorata_amount") - F("discount_amount"))),
                        Decimal("0.005"),
                    )
                )
                & Q(amount__gte=0)
                & Q(prorata_amount__gte=0)
                & Q(discount_amount__gte=0),
                name="finance_due_lines_reconcile",
            )
        ]
        indexes = [models.Index(fields=["membership", "year"])]

    def __str__(self) -> str:
        return _("Cotisation %(year)s de %(organisation)s") % {
            "year": self.year,
            "organisation": self.membership.organisation,
        }


class Payment(models.Model):
    class Method(models.TextChoices):
        TRANSFER = "transfer", _("virement")
        CHEQUE = "cheque", _("chèque")
        CARD = "card", _("carte bancaire")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("payé par"), on_delete=models.PROTECT, related_name="payments"
    )
    association = models.ForeignKey(
        Association, verbose_name=_("reçu par"), on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("moyen de paiement"), max_length=10, choices=Method.choices)
    reference = models.CharField(
        _("référence"),
        max_length=140,  # a SEPA remittance information is at most 140 characters
        blank=True,
        help_text=_("Libellé du virement, numéro du chèque ou référence de la transaction par carte."),
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("reçu le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saisi le"), auto_now_add=True)
    # The statement line this payment was read from (a transfer paying for several companies makes several).
    bank_line = models.ForeignKey(
        "BankLine",
        verbose_name=_("ligne de relevé"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )

    # A payment the bank took back (a returned direct debit, a transfer recalled): kept, with when and why, and
    # counted for nothing, so that the dues it had settled are open again (``Allocation.objects.counted``).
    returned_on = models.DateField(_("rejeté le"), null=True, blank=True)
    return_reason = models.CharField(_("motif du rejet"), max_length=200, blank=True)
    return_line = models.ForeignKey(
        "BankLine",
        verbose_name=_("ligne du rejet"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returned_payments",
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["-received_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_payment_positive")]

    def __str__(self) -> str:
        return _("%(method)s de %(amount)s € du %(date)s") % {
            "method": self.get_method_display(),
            "amount": self.amount,
            "date": self.received_on.strftime("%d/%m/%Y"),
        }


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def counted(self) -> AllocationQuerySet:
        """The allocations that settle their due: those of a payment the bank took back settle nothing."""
        return self.filter(payment__returned_on__isnull=True)


class Allocation(models.Model):
    """The part of a payment that settles a due."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("paiement"), on_delete=models.PROTECT, related_name="allocations"
    )
    due = models.ForeignKey(
        Due, verbose_name=_("cotisation"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.DecimalField(_("montant affecté"), max_digits=10, decimal_places=2)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=Decimal(0)), name="finance_allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} € → {self.due}"


class DeclaredTurnover(models.Model):
    """A company's turnover for a financial year, as it declared it: what a turnover-based schedule reads."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="declared_turnovers",
    )
    year = models.PositiveSmallIntegerField(_("exercice"))
    amount = models.DecimalField(_("chiffre d'affaires (€)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("chiffre d'affaires déclaré")
        verbose_name_plural = _("chiffres d'affaires déclarés")
        ordering = ["organisation__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="finance_one_turnover_a_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="finance_turnover_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} : {self.amount} €"


LATE_PAYMENT_MENTION = (
    "En cas de retard de paiement : pénalités au taux d'intérêt légal majoré de 10 points et indemnité forfaitaire "
    "de 40 € pour frais de recouvrement (art. L441-10 du Code de commerce). Pas d'escompte pour paiement anticipé."
)


class BillingSettings(models.Model):
    """What an association's invoices and receipts must say about it: identity, address, VAT status."""

    class VatStatus(models.TextChoices):
        # Dues of a non-profit association serving its members' collective interest are exempt.
        EXEMPT_261_7_1B = "exempt_261_7_1b", _("TVA non applicable, art. 261-7-1° b du CGI")
        FRANCHISE_293B = "franchise_293b", _("TVA non applicable, art. 293 B du CGI")
        TAXABLE = "taxable", _("assujettie à la TVA")

    association = models.OneToOneField(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="billing_settings"
    )
    street = models.CharField(_("adresse"), max_length=200)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("ville"), max_length=120)
    email = models.EmailField(_("e-mail de la comptabilité"), blank=True)
    vat_status = models.CharField(
        _("régime de TVA"), max_length=20, choices=VatStatus.choices, default=VatStatus.EXEMPT_261_7_1B
    )
    vat_number = models.CharField(_("n° TVA intracommunautaire"), max_length=13, blank=True)
    vat_rate = models.DecimalField(
        _("taux de TVA (%)"), max_digits=4, decimal_places=2, default=Decimal("20.00")
    )
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payment_terms = models.TextField(_("conditions de paiement"), default=LATE_PAYMENT_MENTION)

    class Meta:
        verbose_name = _("paramètres de facturation")
        verbose_name_plural = _("paramètres de facturation")

    def __str__(self) -> str:
        return str(self.association)


class DocumentSequence(models.Model):
    """The last number given to an association's invoices (or receipts) of a year. Read and bumped under a row
    lock in the transaction that creates the document, so numbers run without gaps or repeats."""

    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["association", "kind", "year"], name="finance_one_sequence_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} : {self.last}"


class Document(models.Model):
    """An invoice (for a due), a receipt (for a payment) or a receipt's cancellation (for a payment the bank
    took back), numbered, with what it said frozen at issue time: the PDF itself and the seller's and buyer's
    details. An issued document never changes and is never withdrawn: a receipt that no longer attests a
    payment is voided by a cancellation of its own number (``cancels``)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("facture")
        RECEIPT = "receipt", _("reçu")
        CANCELLATION = "cancel", _("annulation de reçu")

    association = models.ForeignKey(
        Association, verbose_name=_("émise par"), on_delete=models.PROTECT, related_name="finance_documents"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("adressée à"), on_delete=models.PROTECT, related_name="finance_documents"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("année"))
    sequence = models.PositiveIntegerField(_("rang"))
    number = models.CharField(_("numéro"), max_length=30)
    issued_on = models.DateField(_("émise le"))
    due = models.ForeignKey(
        Due,
        verbose_name=_("cotisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("paiement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    cancels = models.OneToOneField(
        "self",
        verbose_name=_("annule le reçu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancellation",
    )
    amount = models.DecimalField(_("montant TTC"), max_digits=10, decimal_places=2)
    vat_amount = models.DecimalField(_("dont TVA"), max_digits=10, decimal_places=2, default=0)
    details = models.JSONField(_("mentions"), default=dict)
    pdf = models.BinaryField(_("PDF"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("facture ou reçu")
        verbose_name_plural = _("factures et reçus")
        ordering = ["-year", "kind", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "kind", "year", "sequence"], name="finance_document_rank"
            ),
            models.UniqueConstraint(fields=["association", "number"], name="finance_document_number"),
            models.UniqueConstraint(
                fields=["due"], condition=Q(kind="invoice"), name="finance_one_invoice_per_due"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind="receipt"), name="finance_one_receipt_per_payment"
            ),
            # A cancellation voids one receipt, and only a cancellation points at one.
            models.CheckConstraint(
                condition=Q(kind="cancel", cancels__isnull=False)
                | (~Q(kind="cancel") & Q(cancels__isnull=True)),
                name="finance_cancellation_voids_a_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class BankStatement(models.Model):
    """One bank statement file as it was imported (CAMT.053 or a bank's CSV export). Its lines are kept, all of
    them (debits too): nothing a user hands us is lost, and re-importing the same file adds nothing."""

    class Format(models.TextChoices):
        CAMT053 = "camt053", _("CAMT.053 (ISO 20022)")
        CSV = "csv", _("CSV de la banque")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="bank_statements"
    )
    file_name = models.CharField(_("fichier"), max_length=255)
    sha256 = models.CharField(_("empreinte"), max_length=64)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    account = models.CharField(_("compte"), max_length=34, blank=True)
    statement_id = models.CharField(_("identifiant du relevé"), max_length=140, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("importé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("relevé bancaire")
        verbose_name_plural = _("relevés bancaires")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["association", "sha256"], name="finance_statement_once")
        ]

    def __str__(self) -> str:
        return _("Relevé « %(file)s »") % {"file": self.file_name}


class BankLine(models.Model):
    """One line of a statement, as the bank wrote it, and what reconciliation made of it."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("rapproché automatiquement")
        QUEUED = "queued", _("à rapprocher")
        CONFIRMED = "confirmed", _("rapproché par un salarié")
        REJECTED = "rejected", _("écarté")
        DEBIT = "debit", _("débit (hors cotisations)")
        RETURN = "return", _("rejet d'un paiement rapproché")

    statement = models.ForeignKey(
        BankStatement, verbose_name=_("relevé"), on_delete=models.PROTECT, related_name="lines"
    )
    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="+")
    # A line's identity across files: overlapping CSV exports or the same CAMT file twice add it once.
    fingerprint = models.CharField(max_length=64)
    position = models.PositiveIntegerField(_("ligne du fichier"))
    booked_on = models.DateField(_("date d'opération"))
    amount = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)  # credit > 0, debit < 0
    counterparty = models.CharField(_("donneur d'ordre"), max_length=140, blank=True)
    remittance = models.TextField(_("libellé"), blank=True)
    bank_reference = models.CharField(_("référence bancaire"), max_length=140, blank=True)
    raw = models.JSONField(_("ligne d'origine"), default=dict)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices)
    # The matcher's explanation (grappe.finance.matching.Decision as JSON): evidence codes and proposed shares.
    explanation = models.JSONField(_("explication"), default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    reject_reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ligne de relevé")
        verbose_name_plural = _("lignes de relevé")
        ordering = ["booked_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["association", "fingerprint"], name="finance_bank_line_once")
        ]
        indexes = [models.Index(fields=["association", "status"])]

    def __str__(self) -> str:
        return _("%(amount)s € du %(date)s (%(who)s)") % {
            "amount": self.amount,
            "date": self.booked_on.strftime("%d/%m/%Y"),
            "who": self.counterparty or self.remittance[:40],
        }


class Reminder(models.Model):
    """A reminder e-mail sent for an overdue due, at a level (1: first reminder, 2: second, 3: last notice).
    One per due and level: a run that finds it here does not send it again."""

    due = models.ForeignKey(
        Due, verbose_name=_("cotisation"), on_delete=models.PROTECT, related_name="reminders"
    )
    level = models.PositiveSmallIntegerField(_("niveau"))
    sent_to = models.EmailField(_("envoyée à"))
    sent_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    outstanding = models.DecimalField(_("restant dû"), max_digits=10, decimal_places=2)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["due", "level"], name="finance_one_reminder_per_level")
        ]

    def __str__(self) -> str:
        return _("Relance %(level)s de %(due)s") % {"level": self.level, "due": self.due}
