"""The member registry: networks, their territories and offices, member organisations and their provenance.

Identifiers are stored only once checked (see ``grappe.france.identifiers``); the raw value a user handed over
always stays in the ``SourceRecord`` it came from, and ``Lineage`` says which source gave which stored value.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.france.countries import country_name
from grappe.france.headcount import HEADCOUNT_BRACKETS
from grappe.france.text import fold


class Association(models.Model):
    """A network with a legal existence (a cluster, a federation, a chamber)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("en activité")
        ABSORBED = "absorbed", _("absorbée")
        DISSOLVED = "dissolved", _("dissoute")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    short_name = models.CharField(_("sigle"), max_length=60, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    rna = models.CharField(_("numéro RNA"), max_length=10, blank=True)
    seat_city = models.CharField(_("ville du siège"), max_length=120, blank=True)
    seat_commune_code = models.CharField(_("code commune du siège"), max_length=5, blank=True)
    website = models.URLField(_("site web"), blank=True)
    founded_on = models.DateField(_("créée le"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    absorbed_on = models.DateField(_("absorbée le"), null=True, blank=True)
    absorbed_into = models.ForeignKey(
        "self",
        verbose_name=_("absorbée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed_associations",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="absorbed", absorbed_on__isnull=False, absorbed_into__isnull=False)
                | ~Q(status="absorbed"),
                name="absorbed_association_has_date_and_absorber",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Territory(models.Model):
    """A set of départements served by one territorial committee and its offices."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="territories"
    )
    name = models.CharField(_("nom"), max_length=120)
    departement_codes = models.JSONField(_("départements"), default=list)

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["association__name", "name"]
        constraints = [models.UniqueConstraint(fields=["association", "name"], name="unique_territory_name")]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.departement_codes)})"


class Brand(models.Model):
    """A name a network keeps using in some territories, typically an absorbed association's name."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="brands"
    )
    name = models.CharField(_("nom de marque"), max_length=200)
    origin_association = models.ForeignKey(
        Association,
        verbose_name=_("association d'origine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kept_as_brands",
    )
    territories = models.ManyToManyField(Territory, verbose_name=_("territoires"), blank=True)
    since = models.DateField(_("depuis"), null=True, blank=True)
    until = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("marque")
        verbose_name_plural = _("marques")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["association", "name"], name="unique_brand_name")]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("siège")
        ANTENNA = "antenna", _("antenne")
        BUREAU = "bureau", _("bureau")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="offices"
    )
    territory = models.ForeignKey(
        Territory, verbose_name=_("territoire"), null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=120)
    street = models.CharField(_("adresse"), max_length=200, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    commune_code = models.CharField(_("code commune"), max_length=5, blank=True)
    opened_on = models.DateField(_("ouvert le"), null=True, blank=True)
    closed_on = models.DateField(_("fermé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("implantation")
        verbose_name_plural = _("implantations")
        ordering = ["association__name", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.name}"


class StaffMemberQuerySet(models.QuerySet["StaffMember"]):
    def current(self, on: datetime.date | None = None) -> StaffMemberQuerySet:
        """Staff in post on ``on`` (today by default): no end date, or one still to come. The one rule for
        "current staff", read by the visibility scope, the territory and office pages, and mergers."""
        day = on or timezone.localdate()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class StaffMember(models.Model):
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="staff"
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("implantation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    first_name = models.CharField(_("prénom"), max_length=80)
    last_name = models.CharField(_("nom"), max_length=80)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    hired_on = models.DateField(_("embauché le"), null=True, blank=True)
    left_on = models.DateField(_("parti le"), null=True, blank=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("salarié")
        verbose_name_plural = _("salariés")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A staff member recorded with an office has been there since their hiring: their first assignment.
        Moves afterwards go through ``registry.services.move_staff``, which keeps ``office`` (the current one)
        and the assignments in step."""
        created = self._state.adding
        super().save(*args, **kwargs)
        if created and self.office_id is not None:
            StaffAssignment.objects.create(
                staff_member=self, office_id=self.office_id, starts_on=self.hired_on
            )


class StaffAssignmentQuerySet(models.QuerySet["StaffAssignment"]):
    def on(self, day: datetime.date) -> StaffAssignmentQuerySet:
        """Assignments running on ``day``: begun by then (or since the hiring, undated), not yet ended (the day a
        move takes effect is the first day at the new office)."""
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=day)
        )


class StaffAssignment(models.Model):
    """Where a staff member worked, from when until when: the history of their moves between offices. The last
    one, still open, is their ``StaffMember.office``."""

    staff_member = models.ForeignKey(
        StaffMember, verbose_name=_("salarié"), on_delete=models.CASCADE, related_name="assignments"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("implantation"), on_delete=models.CASCADE, related_name="assignments"
    )
    starts_on = models.DateField(_("depuis le"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au (exclu)"), null=True, blank=True)

    objects = StaffAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        ordering = ["staff_member", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="staff_assignment_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_member} — {self.office.name}"


class FoldedKeys(models.Model):
    """Columns holding a folded copy of others (lower case, no accents, no punctuation: ``fold``), so that
    search and sort read « Étienne » as « etienne » on SQLite and PostgreSQL alike. ``folded_sources`` says
    which column is folded from which; save() and the manager's bulk writes keep them right, never a person."""

    folded_sources: ClassVar[dict[str, tuple[str, ...]]] = {}

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_folded_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.keys_of(update_fields)}
        super().save(*args, **kwargs)

    def fill_folded_keys(self) -> None:
        for key, sources in self.folded_sources.items():
            # Folding may lengthen a value (« œ » → « oe »): cut to the column's size.
            size = getattr(self._meta.get_field(key), "max_length", None)
            setattr(self, key, fold(" ".join(str(getattr(self, name) or "") for name in sources))[:size])

    @classmethod
    def keys_of(cls, fields: Iterable[str]) -> set[str]:
        """The folded keys that change when ``fields`` change."""
        wanted = set(fields)
        return {key for key, sources in cls.folded_sources.items() if wanted & set(sources)}


_Folded = TypeVar("_Folded", bound=FoldedKeys)


class FoldedKeysManager(models.Manager[_Folded]):
    """Bulk writes skip save(): imports write in bulk, so the folded keys are filled here too."""

    def bulk_create(self, objs: Iterable[_Folded], *args: Any, **kwargs: Any) -> list[_Folded]:
        objs = list(objs)
        for obj in objs:
            obj.fill_folded_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[_Folded], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        objs, fields = list(objs), list(fields)
        keys = self.model.keys_of(fields)
        if keys:
            for obj in objs:
                obj.fill_folded_keys()
            fields += sorted(keys - set(fields))
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Organisation(FoldedKeys):
    """A legal unit (unité légale). Its id never changes when registries are linked to it."""

    folded_sources: ClassVar[dict[str, tuple[str, ...]]] = {"search_name": ("name",)}

    name = models.CharField(_("raison sociale"), max_length=250, db_index=True)
    # The name folded (lower case, no accents, no punctuation) so that "numerique" finds "Numérique" on every
    # database, and the list sorts « ANDRÉ » before « AUBERT »: maintained by FoldedKeys, never by hand.
    search_name = models.CharField(max_length=250, blank=True, editable=False, db_index=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)
    vat_number = models.CharField(_("n° TVA"), max_length=13, blank=True)
    legal_form_code = models.CharField(_("catégorie juridique"), max_length=4, blank=True)
    naf_code = models.CharField(_("code NAF/APE"), max_length=6, blank=True, db_index=True)
    naf_version = models.CharField(_("nomenclature NAF"), max_length=12, blank=True)
    headcount_bracket = models.CharField(
        _("tranche d'effectif"),
        max_length=2,
        blank=True,
        # The labels are French text marked for translation in grappe.france (a pure core, no Django).
        choices=[(code, _(bracket.label)) for code, bracket in HEADCOUNT_BRACKETS.items()],
    )
    created_on = models.DateField(_("date de création"), null=True, blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    website_domain = models.CharField(_("domaine"), max_length=200, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    is_startup = models.BooleanField(_("start-up"), default=False)
    skills = models.JSONField(_("compétences"), default=list, blank=True)
    tags = models.ManyToManyField(
        "Tag", verbose_name=_("étiquettes"), blank=True, related_name="organisations"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = FoldedKeysManager["Organisation"]()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siren"], condition=~Q(siren=""), name="unique_nonempty_siren")
        ]

    def __str__(self) -> str:
        return self.name


def site_country_name(code: str) -> str:
    """A site's country in French (« Suisse »), « pays inconnu » when an import could not read it ("")."""
    return country_name(code) if code else str(_("pays inconnu"))


class Establishment(FoldedKeys):
    """A site of an organisation. Its postcode and commune place it in a département, hence a territory."""

    folded_sources: ClassVar[dict[str, tuple[str, ...]]] = {"search_city": ("city",)}

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="establishments"
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    name = models.CharField(_("enseigne"), max_length=250, blank=True)
    street = models.CharField(_("adresse"), max_length=250, blank=True)
    # As written outside France (Swiss "1201", UK "SW1A 1AA", US "60610-1234"); five digits in France.
    postcode = models.CharField(_("code postal"), max_length=12, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    # The commune folded: « saint etienne » finds Saint-Étienne, and lists sort by it (FoldedKeys).
    search_city = models.CharField(max_length=120, blank=True, editable=False, db_index=True)
    # ISO 3166 alpha-2; "" when an import could not read it. Only French sites have a commune code and a
    # département: a foreign postcode is never looked up as a French one.
    country = models.CharField(_("pays"), max_length=2, default="FR", blank=True, db_index=True)
    commune_code = models.CharField(_("code commune INSEE"), max_length=5, blank=True)
    departement_code = models.CharField(_("département"), max_length=3, blank=True, db_index=True)
    is_head_office = models.BooleanField(_("siège"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = FoldedKeysManager["Establishment"]()

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["organisation__name", "city"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="unique_nonempty_siret")
        ]
        indexes = [
            # An organisation's shown site (head office first, then by commune): the organisation list's city and
            # its sort by city read it per organisation, from this index alone (benchmarks/load: 10,000
            # organisations sorted by city, 44 → 25 ms on PostgreSQL).
            models.Index(
                fields=["organisation", "-is_head_office", "search_city", "id"],
                name="establishment_shown_site",
            )
        ]

    def __str__(self) -> str:
        place = self.place
        return f"{self.organisation.name} — {place}" if place else self.organisation.name

    @property
    def country_name(self) -> str:
        return site_country_name(self.country)

    @property
    def place(self) -> str:
        """ "42000 Saint-Étienne", or "1201 Genève (Suisse)" outside France."""
        place = f"{self.postcode} {self.city}".strip()
        if self.country == "FR":
            return place
        return f"{place} ({self.country_name})" if place else self.country_name


class Person(FoldedKeys):
    folded_sources: ClassVar[dict[str, tuple[str, ...]]] = {"sort_name": ("last_name", "first_name")}

    first_name = models.CharField(_("prénom"), max_length=80, blank=True)
    last_name = models.CharField(_("nom"), max_length=80)
    # « nom prénom » folded, for search and sort blind to accents and case (FoldedKeys).
    sort_name = models.CharField(max_length=161, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = FoldedKeysManager["Person"]()

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Role(models.Model):
    class Kind(models.TextChoices):
        REPRESENTATIVE = "representative", _("représentant titulaire")
        ALTERNATE = "alternate", _("représentant suppléant")
        CONTACT = "contact", _("contact")
        EXECUTIVE = "executive", _("dirigeant")
        BILLING = "billing", _("contact facturation")

    person = models.ForeignKey(
        Person, verbose_name=_("personne"), on_delete=models.CASCADE, related_name="roles"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("rôle"), max_length=20, choices=Kind.choices, default=Kind.CONTACT)
    job_title = models.CharField(_("fonction"), max_length=120, blank=True)
    starts_on = models.DateField(_("depuis"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        ordering = ["organisation__name", "kind"]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()} — {self.organisation}"


class College(models.Model):
    """A voting college of an association (« Entreprises », « Établissements de formation et de recherche »…):
    members vote, and seats are apportioned, by college when the statutes say so."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="colleges"
    )
    name = models.CharField(_("nom"), max_length=80)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("collège")
        verbose_name_plural = _("collèges")
        ordering = ["association__name", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["association", "name"], name="unique_college_name")]

    def __str__(self) -> str:
        return self.name


class MembershipType(models.Model):
    """A kind of membership an association offers (« Entreprise », « Start-up », « Membre associé »…): its fee
    category says which fee rule applies to it, its default college where its members vote.

    The name is the text an association's registry used: a type imported or migrated from free text keeps
    that text exactly, so nothing it said is lost."""

    class FeeCategory(models.TextChoices):
        # Empty: not said yet. Dues refuse to guess one (the fee schedule is the statutes' data, not ours).
        UNSET = "", _("non renseignée")
        COMPANY = "company", _("entreprise (selon la tranche d'effectif)")
        STARTUP = "startup", _("start-up")
        EDUCATION_RESEARCH = "education_research", _("établissement de formation ou de recherche")
        PUBLIC_BODY = "public_body", _("collectivité ou organisme public")
        ASSOCIATION = "association", _("association")
        INDIVIDUAL = "individual", _("personne physique")
        HONORARY = "honorary", _("membre d'honneur (sans cotisation)")

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.CASCADE, related_name="membership_types"
    )
    name = models.CharField(_("nom"), max_length=80)
    fee_category = models.CharField(
        _("catégorie de cotisation"), max_length=30, choices=FeeCategory.choices, blank=True, default=""
    )
    default_college = models.ForeignKey(
        College,
        verbose_name=_("collège par défaut"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="default_for_types",
    )
    is_active = models.BooleanField(
        _("proposé"),
        default=True,
        help_text=_("Décochez pour ne plus proposer ce type aux nouveaux membres."),
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("type d'adhésion")
        verbose_name_plural = _("types d'adhésion")
        ordering = ["association__name", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["association", "name"], name="unique_membership_type_name")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("à jour")
        PENDING = "pending", _("en attente")
        LAPSED = "lapsed", _("non renouvelée")
        ENDED = "ended", _("terminée")
        # An import that said neither a status nor a start date: never counted as in good standing.
        UNKNOWN = "unknown", _("statut inconnu")

    class EndReason(models.TextChoices):
        RESIGNATION = "resignation", _("démission")
        NON_PAYMENT = "non_payment", _("non-paiement de la cotisation")
        MERGER = "merger", _("fusion")
        DISSOLUTION = "dissolution", _("dissolution ou cessation d'activité")
        EXCLUSION = "exclusion", _("exclusion")
        OTHER = "other", _("autre motif")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("établissement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="memberships"
    )
    origin = models.ForeignKey(
        Association,
        verbose_name=_("apportée par"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="brought_memberships",
        help_text=_("L'association qui a fait entrer ce membre dans le réseau."),
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField(_("adhérent depuis"), null=True, blank=True)
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)
    end_reason = models.CharField(_("motif du départ"), max_length=20, choices=EndReason.choices, blank=True)
    end_reason_detail = models.CharField(_("précisions sur le départ"), max_length=500, blank=True)
    membership_type = models.ForeignKey(
        MembershipType,
        verbose_name=_("type d'adhésion"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    college = models.ForeignKey(
        College,
        verbose_name=_("collège"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    annual_fee = models.DecimalField(
        _("cotisation annuelle"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["organisation__name"]
        indexes = [
            models.Index(fields=["association", "status"]),
            # « Adhérent depuis » (the list's first membership start, and its sort) per organisation.
            models.Index(fields=["organisation", "starts_on"], name="membership_first_start"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ∈ {self.association}"

    def clean(self) -> None:
        # A type or college belongs to one association: a member of another cannot hold it.
        for name in ("membership_type", "college"):
            row = getattr(self, name)
            if row is not None and self.association_id and row.association_id != self.association_id:
                raise ValidationError(
                    {
                        name: _("« %(row)s » n'appartient pas à « %(association)s ».")
                        % {"row": row, "association": self.association}
                    }
                )

    @property
    def category(self) -> str:
        """The membership type's name, "" when none (read-only: set ``membership_type``)."""
        return self.membership_type.name if self.membership_type_id else ""

    @property
    def college_name(self) -> str:
        return self.college.name if self.college_id else ""


class SourceFile(models.Model):
    """One file an association handed over, identified by its content hash."""

    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    sheet = models.CharField(_("feuille"), max_length=120, blank=True)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    size = models.BigIntegerField(_("taille (octets)"))
    file_format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encodage"), max_length=40, blank=True)
    delimiter = models.CharField(_("séparateur"), max_length=4, blank=True)
    header_line = models.PositiveIntegerField(_("ligne d'en-tête"), default=1)
    headers = models.JSONField(_("en-têtes"), default=list)
    mapping = models.JSONField(_("correspondance des colonnes"), default=dict)
    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="source_files"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    imported_at = models.DateTimeField(_("importé le"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("lignes"), default=0)
    imported_count = models.PositiveIntegerField(_("lignes importées"), default=0)
    rejected_count = models.PositiveIntegerField(_("lignes rejetées"), default=0)
    # The country rows without a « Pays » cell were read by (ISO alpha-2).
    default_country = models.CharField(_("pays par défaut"), max_length=2, default="FR")
    # Field name → how many values could not be read (refused: not stored, so not used to match members)…
    unread_values = models.JSONField(_("valeurs illisibles"), default=dict, blank=True)
    # …and how many were kept as written (local phone numbers without their area code).
    local_values = models.JSONField(_("valeurs gardées telles quelles"), default=dict, blank=True)

    class Meta:
        verbose_name = _("fichier source")
        verbose_name_plural = _("fichiers sources")
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["sha256", "sheet"], name="unique_source_file_content")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sheet})" if self.sheet else self.original_name


class SourceRecord(models.Model):
    """One row of a source file, kept verbatim: nothing an association hands over is ever lost."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("importée")
        REJECTED = "rejected", _("rejetée")

    source_file = models.ForeignKey(
        SourceFile, verbose_name=_("fichier"), on_delete=models.CASCADE, related_name="records"
    )
    line_number = models.PositiveIntegerField(_("ligne"))
    values = models.JSONField(_("valeurs brutes"))
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices)
    issues = models.JSONField(_("anomalies"), default=list, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_records",
    )

    class Meta:
        verbose_name = _("ligne source")
        verbose_name_plural = _("lignes sources")
        ordering = ["source_file", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["source_file", "line_number"], name="unique_source_line")
        ]

    def __str__(self) -> str:
        return f"{self.source_file} : ligne {self.line_number}"

    def as_dict(self) -> dict[str, str]:
        """The row as the user saw it: header → verbatim cell."""
        headers = self.source_file.headers
        return {headers[i] if i < len(headers) else f"#{i + 1}": v for i, v in enumerate(self.values)}


class Lineage(models.Model):
    """Which source gave which stored value, including values not retained when records merged.

    The source is an imported row (``source_record``) or a person typing it (« saisie manuelle »: ``author``,
    through ``registry.services.update_organisation`` and friends, with an audit event of the same change).
    """

    class Source(models.TextChoices):
        IMPORT = "import", _("import")
        MANUAL = "manual", _("saisie manuelle")

    source_record = models.ForeignKey(
        SourceRecord,
        verbose_name=_("ligne source"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lineage",
    )
    # db_default: imports write lineage with raw INSERT / COPY naming only the import's columns.
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.IMPORT, db_default=Source.IMPORT
    )
    # No index: lineage is read by object, never by author, and an index on a column that is NULL for every
    # imported value cost each of an import's millions of lineage rows a write (benchmarks/intake).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saisi par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    author_label = models.CharField(_("auteur"), max_length=150, blank=True, db_default="")
    # No index of its own: the (content_type, object_id, field) index below starts with it, so it serves every
    # read by type too, and a second index cost each of an import's millions of lineage rows a write.
    # No foreign-key constraint on PostgreSQL either (migration 0018): it checks each new row against Django's
    # table of models at commit, 5 s for the 1.3 million lineage rows of a 50 000-row import, to confirm one of
    # the five ids the import read from that table. Django still cascades a deleted content type to its lineage.
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("champ"), max_length=60)
    column = models.CharField(_("colonne source"), max_length=200, blank=True)
    value = models.TextField(_("valeur"), blank=True)
    retained = models.BooleanField(_("retenue"), default=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lignage")
        verbose_name_plural = _("lignages")
        indexes = [models.Index(fields=["content_type", "object_id", "field"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="import", source_record__isnull=False) | Q(source="manual"),
                name="lineage_import_has_source_record",
            )
        ]

    def __str__(self) -> str:
        if self.source == self.Source.MANUAL:
            return f"{self.field} ← {self.get_source_display()} ({self.author_label})"
        return f"{self.field} ← {self.source_record}"


class FoldedOrganisation(models.Model):
    """An organisation folded into another (a duplicate merged, by hand or by a merger): its id, so that a link
    to its page, kept in a bookmark, an e-mail or minutes, leads to the organisation it became.

    A dependent of the survivor (``registry/dependents.py``): folded again, it follows the new survivor, and a
    merger's undo removes it with the fold it records (it is created by the apply)."""

    folded_id = models.PositiveBigIntegerField(_("ancien numéro"), db_index=True)
    name = models.CharField(_("raison sociale"), max_length=250)
    survivor = models.ForeignKey(
        Organisation,
        verbose_name=_("fusionnée dans"),
        on_delete=models.CASCADE,
        related_name="folded_records",
    )
    folded_at = models.DateTimeField(_("fusionnée le"), default=timezone.now)

    class Meta:
        verbose_name = _("fiche fusionnée")
        verbose_name_plural = _("fiches fusionnées")

    def __str__(self) -> str:
        return f"{self.name} (n° {self.folded_id}) → {self.survivor_id}"


class SavedFilter(models.Model):
    """A list's search, filters and sort kept under a name (« Enregistrer ce filtre »): the query string only,
    never results, so opening it later runs the search again through the reader's own visibility rule."""

    class List(models.TextChoices):
        ORGANISATIONS = "organisations", _("organisations")
        PEOPLE = "personnes", _("personnes")
        MEMBERSHIPS = "adhesions", _("adhésions")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    list_name = models.CharField(_("liste"), max_length=20, choices=List.choices)
    name = models.CharField(_("nom"), max_length=100)
    query = models.CharField(_("recherche"), max_length=1000, blank=True)
    shared = models.BooleanField(
        _("partagé avec l'équipe"), default=False, help_text=_("Visible de tous les salariés du réseau.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("filtre enregistré")
        verbose_name_plural = _("filtres enregistrés")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="unique_saved_filter_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A label an association's staff put on organisations (« à relancer », « salon 2026 ») to find them
    again on the list (``?etiquette=``). One name per association, whatever its case."""

    association = models.ForeignKey(
        Association, verbose_name=_("association"), on_delete=models.PROTECT, related_name="tags"
    )
    name = models.CharField(_("nom"), max_length=60)
    # The name case-folded in Python (« Été » and « été » are one tag on SQLite too, whose LOWER() only
    # folds ASCII): what the uniqueness holds on. Set by save(), never by hand.
    key = models.CharField(max_length=120, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("étiquette")
        verbose_name_plural = _("étiquettes")
        ordering = ["association__name", "key", "pk"]
        constraints = [models.UniqueConstraint(fields=["association", "key"], name="unique_tag_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = tag_key(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The key is not a form field, so the form's own uniqueness check skips it: checked here, on the name.
        from grappe.registry.tags import namesake  # the tag pages' module imports this one

        self.key = tag_key(self.name)
        taken = namesake(self.association, self.name, excluding=self) if self.association_id else None
        if taken is not None:
            message = _(
                "Cette association a déjà l'étiquette « %(name)s » (majuscules et accents mis à part)."
            )
            raise ValidationError({"name": ValidationError(message, params={"name": taken.name})})


def tag_key(name: str) -> str:
    """What makes two tag names the same tag: case and inner spaces aside."""
    return " ".join(name.split()).casefold()
