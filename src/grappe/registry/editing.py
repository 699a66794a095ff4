"""Manual edits of the registry: the same checks as an import, lineage « saisie manuelle », an audit event.

The admin calls these functions, and so will the staff's editing pages (issue 10): a rule lives here once.

- ``check_organisation_values`` / ``check_establishment_values``: the values normalised (SIREN, SIRET, VAT
  number, postcode and commune, e-mail, phone, website checked by ``grappe.france``, as the import does), or
  ``EditRefused`` with one message per field, each naming the problem and the fix;
- ``update_organisation`` / ``update_establishment`` (and ``create_*``): check, save, record lineage and one
  audit event with the changed fields' old → new values, in one transaction;
- ``save_record`` / ``delete_record``: any other registry object saved or deleted by hand, audited;
- ``create_member``: a new member organisation, its head office and (optionally) its membership at once,
  refused whole when any part is wrong; ``save_membership`` (start, type, status, end and the reason for
  leaving, kept in the audit event) and ``save_contact`` (a person and their role in an organisation);
- the territory rule for writes: territorial staff only change what they see, and cannot move an
  organisation out of their territory by an edit (``EditRefused`` on the postcode, as any other value).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core import audit
from grappe.errors import UserError
from grappe.france.contact import check_email, check_phone, check_website
from grappe.france.dates import check_date
from grappe.france.geo import check_place
from grappe.france.headcount import check_headcount_code
from grappe.france.identifiers import check_siren, check_siret, check_vat, siren_of_siret, vat_of_siren
from grappe.france.legal_forms import check_legal_form
from grappe.france.naf import NAF_VERSION, check_naf
from grappe.france.problems import Checked
from grappe.registry.models import Establishment, Lineage, Membership, Organisation, Person, Role

M = TypeVar("M", bound=models.Model)

# Models whose stored values carry lineage (what an import writes lineage for).
_WITH_LINEAGE = (Organisation, Establishment, Person, Membership)


class EditRefused(UserError):
    """Values a person typed that the registry cannot store: ``errors`` maps each field to its message."""

    code = "grappe.registry.edit_refused"

    def __init__(self, errors: Mapping[str, str], model: type[models.Model] | tuple[type[models.Model], ...]):
        self.errors = dict(errors)
        models_ = model if isinstance(model, tuple) else (model,)
        lines = [f"{_field_label(models_, name)} : {message}" for name, message in self.errors.items()]
        super().__init__(" ".join(lines), hint=_("Corrigez la saisie : rien n'a été enregistré."))


class MemberRefused(UserError):
    """A new member refused whole: ``parts`` maps « organisation », « établissement », « adhésion » to what
    was wrong in each (an ``EditRefused``)."""

    code = "grappe.registry.member_refused"

    def __init__(self, parts: Mapping[str, EditRefused]):
        self.parts = dict(parts)
        super().__init__(
            " ".join(part.message for part in self.parts.values()),
            hint=_("Corrigez la saisie : rien n'a été enregistré."),
        )


# Values a form sends that are no model field: their label.
_EXTRA_LABELS = {"end_reason": gettext_lazy("motif du départ")}


def _field_label(models_: tuple[type[models.Model], ...], name: str) -> str:
    for model in models_:
        try:
            label = str(model._meta.get_field(name).verbose_name)
            return label[:1].upper() + label[1:]
        except Exception:  # a derived key ("postcode/city") has no field of its own
            continue
    label = str(_EXTRA_LABELS.get(name, name))
    return label[:1].upper() + label[1:]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class _Checker:
    """Collects normalised values and per-field errors, the way the import's row validator does."""

    def __init__(self, values: Mapping[str, Any]):
        self.given = dict(values)
        self.values: dict[str, Any] = dict(values)
        self.errors: dict[str, str] = {}

    def check(self, name: str, function: Callable[[str], Checked[Any]]) -> Any:
        if name not in self.given:
            return None
        outcome = function(_text(self.given[name]))
        if outcome.problem:
            self.errors[name] = outcome.problem.render(_)
            return None
        self.values[name] = outcome.value if outcome.value is not None else ""
        return outcome.value

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def _current(name: str, checker: _Checker, instance: models.Model | None) -> str:
    if name in checker.values:
        return _text(checker.values[name])
    return _text(getattr(instance, name, "")) if instance is not None else ""


def check_organisation_values(
    values: Mapping[str, Any], *, organisation: Organisation | None = None
) -> dict[str, Any]:
    """``values`` (field → typed value) normalised, or ``EditRefused``. Fields not given are not checked."""
    checker = _Checker(values)
    checker.check("siren", check_siren)
    vat = checker.check("vat_number", check_vat)
    siren = _current("siren", checker, organisation)
    if vat and siren and "siren" not in checker.errors and vat != vat_of_siren(siren):
        checker.refuse(
            "vat_number",
            _("Le numéro de TVA %(vat)s ne correspond pas au SIREN %(siren)s (attendu : %(expected)s).")
            % {"vat": vat, "siren": siren, "expected": vat_of_siren(siren)},
        )
    checker.check("legal_form_code", check_legal_form)
    if "naf_code" in checker.given:
        naf = checker.check("naf_code", check_naf)
        checker.values["naf_version"] = NAF_VERSION if naf else ""
    checker.check("headcount_bracket", check_headcount_code)
    checker.check("email", check_email)
    checker.check("phone", check_phone)
    if "website" in checker.given:
        website = checker.check("website", check_website)
        checker.values["website"] = website.url if website else ""
        checker.values["website_domain"] = website.domain if website else ""
    if "name" in checker.given and not _text(checker.given["name"]).strip():
        checker.refuse("name", _("La raison sociale est obligatoire."))
    _check_unique_siren(checker, organisation)
    if checker.errors:
        raise EditRefused(checker.errors, Organisation)
    return checker.values


def _check_unique_siren(checker: _Checker, organisation: Organisation | None) -> None:
    siren = checker.values.get("siren") if "siren" not in checker.errors else None
    if not siren:
        return
    other = Organisation.objects.filter(siren=siren).exclude(pk=getattr(organisation, "pk", None)).first()
    if other is not None:
        checker.refuse(
            "siren",
            _(
                "Le SIREN %(siren)s est déjà celui de « %(name)s » (fiche n° %(id)s) : s'il s'agit de la même "
                "entreprise, complétez cette fiche-là plutôt que d'en garder deux."
            )
            % {"siren": siren, "name": other.name, "id": other.pk},
        )


def check_establishment_values(
    values: Mapping[str, Any], *, establishment: Establishment | None = None, user: Any = None
) -> dict[str, Any]:
    """``values`` normalised, or ``EditRefused``. The postcode, city and country are checked together (as
    the import does), and the commune code and département follow from them. With ``user``, territorial
    staff are held to their territory (``_check_territory``)."""
    checker = _Checker(values)
    siret = checker.check("siret", check_siret)
    organisation = checker.values.get("organisation") or _organisation_of(establishment)
    if (
        siret
        and organisation is not None
        and organisation.siren
        and siren_of_siret(siret) != organisation.siren
    ):
        checker.refuse(
            "siret",
            _(
                "Le SIRET %(siret)s n'est pas celui d'un établissement de « %(name)s » : il devrait commencer "
                "par son SIREN %(siren)s."
            )
            % {"siret": siret, "name": organisation.name, "siren": organisation.siren},
        )
    if siret:
        other = (
            Establishment.objects.filter(siret=siret).exclude(pk=getattr(establishment, "pk", None)).first()
        )
        if other is not None:
            checker.refuse(
                "siret",
                _("Le SIRET %(siret)s est déjà celui de « %(other)s ».") % {"siret": siret, "other": other},
            )
    country = _current("country", checker, establishment) or None
    if {"postcode", "city", "country"} & set(checker.given):
        _check_place(checker, establishment, country)
    checker.check("email", check_email)
    checker.check("phone", lambda raw: check_phone(raw, country))
    if (
        establishment is None
        or establishment.pk is None
        or {"postcode", "city", "country"} & set(checker.given)
    ):
        _check_territory(checker, user, establishment, organisation)
    if checker.errors:
        raise EditRefused(checker.errors, Establishment)
    return checker.values


def _check_territory(
    checker: _Checker, user: Any, establishment: Establishment | None, organisation: Organisation | None
) -> None:
    """Territorial staff edit what they see: the organisation must keep a site in their territory, or it
    would vanish from their pages (and they would have written outside their territory)."""
    if user is None or not getattr(user, "is_authenticated", False) or "postcode" in checker.errors:
        return
    from grappe.registry.selectors import scope_for  # selectors read models only; imported late to stay apart

    scope = scope_for(user)
    if scope is None or scope.everything:
        return
    codes = scope.departement_codes
    departement = checker.values.get("departement_code", _current("departement_code", checker, establishment))
    if departement in codes:
        return
    if organisation is not None and organisation.pk is not None:
        others = Establishment.objects.filter(organisation=organisation, departement_code__in=sorted(codes))
        if others.exclude(pk=getattr(establishment, "pk", None)).exists():
            return
    checker.refuse(
        "postcode",
        _(
            "Ce lieu est hors de votre territoire « %(territory)s » (départements %(codes)s) : la fiche n'y "
            "aurait plus d'établissement. Demandez au siège d'enregistrer ce changement."
        )
        % {"territory": scope.label, "codes": ", ".join(sorted(codes))},
    )


def _organisation_of(establishment: Establishment | None) -> Organisation | None:
    # An establishment added with its organisation (an admin inline) has none yet.
    if establishment is None or establishment.organisation_id is None:
        return None
    return establishment.organisation


def _check_place(checker: _Checker, establishment: Establishment | None, country: str | None) -> None:
    postcode = _current("postcode", checker, establishment)
    city = _current("city", checker, establishment)
    outcome = check_place(postcode, city, country)
    if outcome.problem:
        on_postcode = outcome.problem.code.startswith("postcode.") or not city
        checker.refuse("postcode" if on_postcode else "city", outcome.problem.render(_))
        return
    place = outcome.value
    commune = place.commune if place else None
    checker.values["postcode"] = place.postcode if place else ""
    checker.values["city"] = (commune.name if commune else place.city) if place else ""
    checker.values["commune_code"] = commune.code if commune else ""
    checker.values["departement_code"] = (place.departement or "") if place else ""


# -- saving ----------------------------------------------------------------------------------------------


def _before(obj: models.Model) -> dict[str, Any]:
    if obj.pk is None:
        return {}
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    return audit.values_of(stored) if stored is not None else {}


def _parent(obj: models.Model) -> models.Model | None:
    if isinstance(obj, Establishment | Membership | Role):
        return obj.organisation
    return None


def _record_manual_lineage(obj: models.Model, changes: Mapping[str, list[Any]], user: Any) -> None:
    if not isinstance(obj, _WITH_LINEAGE) or not changes:
        return
    content_type = ContentType.objects.get_for_model(obj)
    author_label = audit.actor_label(user)
    author = user if user is not None and getattr(user, "is_authenticated", False) else None
    rows = []
    for name in changes:
        field = obj._meta.get_field(name)
        if field.is_relation:
            continue
        value = _lineage_value(getattr(obj, name))
        # The value typed replaces the sources of the former one: they stay, no longer retained.
        Lineage.objects.filter(content_type=content_type, object_id=obj.pk, field=name).exclude(
            value=value
        ).update(retained=False)
        rows.append(
            Lineage(
                content_type=content_type,
                object_id=obj.pk,
                field=name,
                value=value,
                retained=True,
                source=Lineage.Source.MANUAL,
                author=author,
                author_label=author_label,
            )
        )
    Lineage.objects.bulk_create(rows)


def _lineage_value(value: Any) -> str:
    from grappe.intake.validation import serialisable

    return "" if value is None else serialisable(value)


@transaction.atomic
def save_record(
    *,
    obj: M,
    user: Any,
    values: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> M:
    """Save ``obj`` (new or changed, ``values`` applied first) and record who changed what: one audit event
    (« création » or « modification », with old → new values, and ``details`` such as a reason for leaving)
    and, for members' data, lineage « saisie manuelle ». A save that changes nothing and says nothing
    records nothing."""
    details = {key: value for key, value in (details or {}).items() if value not in (None, "")}
    before = _before(obj)
    for name, value in (values or {}).items():
        setattr(obj, name, value)
    created = obj.pk is None
    obj.save()
    changes = audit.changes_between(before, audit.values_of(obj), type(obj))
    if created:
        changes = {name: pair for name, pair in changes.items() if pair[1] not in ("", None, [], False)}
    if not created and not changes and not details:
        return obj
    _record_manual_lineage(obj, changes, user)
    audit.record_event(
        action="create" if created else "change",
        user=user,
        target=obj,
        changes={name: tuple(pair) for name, pair in changes.items()},
        details=details,
        parent=_parent(obj),
    )
    return obj


@transaction.atomic
def delete_record(*, obj: models.Model, user: Any) -> None:
    """Delete ``obj`` by hand, its last values kept in the audit event « suppression »."""
    values = audit.values_of(obj)
    changes = audit.changes_between(values, {}, type(obj))
    audit.record_event(
        action="delete",
        user=user,
        target=obj,
        changes={name: tuple(pair) for name, pair in changes.items() if pair[0] not in ("", None, [])},
        parent=_parent(obj),
    )
    obj.delete()


def save_manual_edit(*, obj: models.Model, user: Any, fields: Iterable[str]) -> models.Model:
    """Save ``obj`` as a person edited its ``fields`` (a form's changed fields): organisations and
    establishments through their checks, anything else as is; always audited, with lineage."""
    names = {field.name for field in obj._meta.concrete_fields}
    values = {name: getattr(obj, name) for name in fields if name in names}
    if isinstance(obj, Organisation):
        return update_organisation(organisation=obj, user=user, values=values)
    if isinstance(obj, Establishment):
        return update_establishment(establishment=obj, user=user, values=values)
    return save_record(obj=obj, user=user)


def update_organisation(*, organisation: Organisation, user: Any, values: Mapping[str, Any]) -> Organisation:
    """Check ``values`` as an import would (``EditRefused`` otherwise, nothing saved), then save them with
    lineage « saisie manuelle » by ``user`` and one audit event. An unsaved ``organisation`` is created."""
    checked = check_organisation_values(values, organisation=organisation)
    return save_record(obj=organisation, user=user, values=checked)


def create_organisation(*, user: Any, values: Mapping[str, Any]) -> Organisation:
    return update_organisation(organisation=Organisation(), user=user, values=values)


def update_establishment(
    *, establishment: Establishment, user: Any, values: Mapping[str, Any]
) -> Establishment:
    """Check ``values`` as an import would (``EditRefused`` otherwise, nothing saved), then save them with
    lineage « saisie manuelle » by ``user`` and one audit event. An unsaved ``establishment`` is created."""
    checked = check_establishment_values(values, establishment=establishment, user=user)
    with transaction.atomic():
        saved = save_record(obj=establishment, user=user, values=checked)
        if checked.get("is_head_office"):
            # One head office per organisation: the former one becomes a plain site, audited as a change too.
            former = Establishment.objects.filter(organisation_id=saved.organisation_id, is_head_office=True)
            for other in former.exclude(pk=saved.pk):
                save_record(obj=other, user=user, values={"is_head_office": False})
        return saved


def create_establishment(
    *, organisation: Organisation, user: Any, values: Mapping[str, Any]
) -> Establishment:
    return update_establishment(
        establishment=Establishment(organisation=organisation), user=user, values=values
    )


# -- memberships ------------------------------------------------------------------------------------------


def _check_dates(checker: _Checker, start: str, end: str, instance: models.Model | None) -> None:
    """Dates typed as text are read as the import reads them; the end cannot come before the start."""
    for name in (start, end):
        if isinstance(checker.given.get(name), str):
            checker.check(name, check_date)
        if name in checker.values and checker.values[name] in ("", None):
            checker.values[name] = None  # a date cleared: no date, not an empty text
    starts_on = checker.values.get(start, getattr(instance, start, None))
    ends_on = checker.values.get(end, getattr(instance, end, None))
    if (
        isinstance(starts_on, datetime.date)
        and isinstance(ends_on, datetime.date)
        and ends_on < starts_on
        and end not in checker.errors
    ):
        checker.refuse(
            end,
            _("La fin (%(end)s) précède le début (%(start)s) : corrigez l'une des deux dates.")
            % {"end": ends_on.strftime("%d/%m/%Y"), "start": starts_on.strftime("%d/%m/%Y")},
        )


def check_membership_values(
    values: Mapping[str, Any], *, membership: Membership | None = None
) -> dict[str, Any]:
    """``values`` (association, membership_type, status, starts_on, ends_on…) checked, or ``EditRefused``:
    the type belongs to the association, the end does not precede the start, an ended membership says when
    it ended, and a reason for leaving goes with an end date."""
    checker = _Checker(values)
    current = membership if membership is not None and membership.association_id else None
    association = checker.given.get("association", current.association if current else None)
    if association is None:
        checker.refuse("association", _("Choisissez l'association dont l'organisation est adhérente."))
    if "status" in checker.given and checker.given["status"] not in Membership.Status.values:
        checker.refuse(
            "status",
            _("Statut « %(value)s » inconnu : %(choices)s attendu.")
            % {"value": checker.given["status"], "choices": ", ".join(map(str, Membership.Status.labels))},
        )
    membership_type = checker.given.get("membership_type", getattr(current, "membership_type", None))
    if (
        membership_type is not None
        and association is not None
        and membership_type.association_id != association.pk
    ):
        checker.refuse(
            "membership_type",
            _("Le type « %(type)s » n'est pas un type d'adhésion de « %(association)s ».")
            % {"type": membership_type, "association": association},
        )
    _check_dates(checker, "starts_on", "ends_on", membership)
    ends_on = checker.values.get("ends_on", getattr(membership, "ends_on", None))
    status = checker.values.get("status", getattr(membership, "status", Membership.Status.ACTIVE))
    if status == Membership.Status.ENDED and not ends_on and "ends_on" not in checker.errors:
        checker.refuse("ends_on", _("Une adhésion terminée a une date de fin : indiquez-la."))
    reason = checker.values.get("end_reason", getattr(membership, "end_reason", ""))
    detail = checker.values.get("end_reason_detail", getattr(membership, "end_reason_detail", ""))
    if reason and reason not in Membership.EndReason.values:
        checker.refuse(
            "end_reason",
            _("Motif « %(value)s » inconnu : %(choices)s attendu.")
            % {"value": reason, "choices": ", ".join(map(str, Membership.EndReason.labels))},
        )
    elif (reason or detail) and not ends_on and "ends_on" not in checker.errors:
        checker.refuse(
            "end_reason",
            _("Un motif de départ va avec une date de fin : indiquez la date, ou videz le motif."),
        )
    elif reason == Membership.EndReason.OTHER and not detail:
        checker.refuse(
            "end_reason_detail", _("Précisez le motif du départ : « autre motif » ne dit pas lequel.")
        )
    elif detail and not reason:
        checker.refuse("end_reason", _("Choisissez le motif du départ que ces précisions expliquent."))
    if checker.errors:
        raise EditRefused(checker.errors, Membership)
    return checker.values


def save_membership(*, membership: Membership, user: Any, values: Mapping[str, Any]) -> Membership:
    """Record a membership (an unsaved one is created) or its change, checked by ``check_membership_values``;
    its reason for leaving (``end_reason``, ``end_reason_detail``) is audited like any other field."""
    checked = check_membership_values(values, membership=membership)
    return save_record(obj=membership, user=user, values=checked)


# -- contacts ---------------------------------------------------------------------------------------------


def check_contact_values(
    person_values: Mapping[str, Any], role_values: Mapping[str, Any], *, role: Role | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A person (name, e-mail, phone checked as an import does) and their role in an organisation (a known
    kind, the end not before the start), or ``EditRefused`` naming each wrong field."""
    person_checker = _Checker(person_values)
    if "last_name" in person_checker.given and not _text(person_checker.given["last_name"]).strip():
        person_checker.refuse("last_name", _("Le nom de la personne est obligatoire."))
    person_checker.check("email", check_email)
    person_checker.check("phone", check_phone)
    role_checker = _Checker(role_values)
    if "kind" in role_checker.given and role_checker.given["kind"] not in Role.Kind.values:
        role_checker.refuse(
            "kind",
            _("Rôle « %(value)s » inconnu : %(choices)s attendu.")
            % {"value": role_checker.given["kind"], "choices": ", ".join(map(str, Role.Kind.labels))},
        )
    _check_dates(role_checker, "starts_on", "ends_on", role)
    errors = {**person_checker.errors, **role_checker.errors}
    if errors:
        raise EditRefused(errors, (Person, Role))
    return person_checker.values, role_checker.values


@transaction.atomic
def save_contact(
    *, role: Role, user: Any, person_values: Mapping[str, Any], role_values: Mapping[str, Any]
) -> Role:
    """A contact of an organisation: the person (created with ``role`` when it has none) and their role, each
    saved with lineage and its own audit event; nothing saved when any value is refused."""
    person_checked, role_checked = check_contact_values(person_values, role_values, role=role)
    person = role.person if role.person_id else Person()
    save_record(obj=person, user=user, values=person_checked)
    role.person = person
    return save_record(obj=role, user=user, values=role_checked)


# -- a new member -----------------------------------------------------------------------------------------


def _refusal(check: Callable[[], Any]) -> tuple[Any, EditRefused | None]:
    try:
        return check(), None
    except EditRefused as refusal:
        return None, refusal


@transaction.atomic
def create_member(
    *,
    user: Any,
    organisation_values: Mapping[str, Any],
    establishment_values: Mapping[str, Any],
    membership_values: Mapping[str, Any] | None = None,
) -> Organisation:
    """A new organisation with its head office and, when ``membership_values`` are given, its membership:
    every part checked first as an import would (a SIREN or a SIRET already in the registry is refused:
    complete that organisation instead), ``MemberRefused`` naming each wrong field, nothing saved; then one
    audit event and lineage « saisie manuelle » per object."""
    organisation_values = {"name": "", **organisation_values}  # a new organisation needs its name
    siret = check_siret(_text(establishment_values.get("siret"))).value
    if siret and not _text(organisation_values.get("siren")).strip():
        # As an import does: the SIRET gives the SIREN, which is then checked (a duplicate is refused).
        organisation_values["siren"] = siren_of_siret(siret)
    organisation_checked, organisation_error = _refusal(
        lambda: check_organisation_values(organisation_values)
    )
    # The SIRET is checked against the SIREN only once that SIREN is known good.
    draft = Organisation(
        name=_text(organisation_values["name"]),
        siren=(organisation_checked or {}).get("siren") or "",
    )
    establishment_checked, establishment_error = _refusal(
        lambda: check_establishment_values({**establishment_values, "organisation": draft}, user=user)
    )
    membership_checked, membership_error = (
        _refusal(lambda: check_membership_values(membership_values))
        if membership_values is not None
        else (None, None)
    )
    refusals = {
        "organisation": organisation_error,
        "establishment": establishment_error,
        "membership": membership_error,
    }
    if any(refusals.values()):
        raise MemberRefused({part: error for part, error in refusals.items() if error is not None})
    try:
        with transaction.atomic():
            return _save_member(user, organisation_checked, establishment_checked, membership_checked)
    except IntegrityError as error:
        # Two people adding the same company at the same moment: the second is told, as for any duplicate.
        refusal = EditRefused(
            {"siren": _("Ce SIREN ou ce SIRET vient d'être enregistré : recherchez-le avant de le saisir.")},
            Organisation,
        )
        raise MemberRefused({"organisation": refusal}) from error


def _save_member(
    user: Any,
    organisation_checked: dict[str, Any],
    establishment_checked: dict[str, Any],
    membership_checked: dict[str, Any] | None,
) -> Organisation:
    organisation = save_record(obj=Organisation(), user=user, values=organisation_checked)
    establishment_checked.pop("organisation", None)
    save_record(
        obj=Establishment(organisation=organisation, is_head_office=True),
        user=user,
        values=establishment_checked,
    )
    if membership_checked is not None:
        save_record(obj=Membership(organisation=organisation), user=user, values=membership_checked)
    return organisation
