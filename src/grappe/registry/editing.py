"""Manual edits of the registry: the same checks as an import, lineage « saisie manuelle », an audit event.

The admin calls these functions, and so will the staff's editing pages (issue 10): a rule lives here once.

- ``check_organisation_values`` / ``check_establishment_values``: the values normalised (SIREN, SIRET, VAT
  number, postcode and commune, e-mail, phone, website checked by ``grappe.france``, as the import does), or
  ``EditRefused`` with one message per field, each naming the problem and the fix;
- ``update_organisation`` / ``update_establishment`` (and ``create_*``): check, save, record lineage and one
  audit event with the changed fields' old → new values, in one transaction;
- ``save_record`` / ``delete_record``: any other registry object saved or deleted by hand, audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from grappe.core import audit
from grappe.errors import UserError
from grappe.france.contact import check_email, check_phone, check_website
from grappe.france.geo import check_place
from grappe.france.identifiers import check_siren, check_siret, check_vat, siren_of_siret, vat_of_siren
from grappe.france.problems import Checked
from grappe.registry.models import Establishment, Lineage, Membership, Organisation, Person, Role

# Models whose stored values carry lineage (what an import writes lineage for).
_WITH_LINEAGE = (Organisation, Establishment, Person, Membership)


class EditRefused(UserError):
    """Values a person typed that the registry cannot store: ``errors`` maps each field to its message."""

    code = "grappe.registry.edit_refused"

    def __init__(self, errors: Mapping[str, str], model: type[models.Model]):
        self.errors = dict(errors)
        lines = [f"{_field_label(model, name)} : {message}" for name, message in self.errors.items()]
        super().__init__(" ".join(lines), hint=_("Corrigez la saisie : rien n'a été enregistré."))


def _field_label(model: type[models.Model], name: str) -> str:
    try:
        label = str(model._meta.get_field(name).verbose_name)
        return label[:1].upper() + label[1:]
    except Exception:  # a derived key ("postcode/city") has no field of its own
        return name


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
    values: Mapping[str, Any], *, establishment: Establishment | None = None
) -> dict[str, Any]:
    """``values`` normalised, or ``EditRefused``. The postcode, city and country are checked together (as
    the import does), and the commune code and département follow from them."""
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
    if checker.errors:
        raise EditRefused(checker.errors, Establishment)
    return checker.values


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
def save_record(*, obj: models.Model, user: Any, values: Mapping[str, Any] | None = None) -> models.Model:
    """Save ``obj`` (new or changed, ``values`` applied first) and record who changed what: one audit event
    (« création » or « modification », with old → new values) and, for members' data, lineage « saisie
    manuelle ». A save that changes nothing records nothing."""
    before = _before(obj)
    for name, value in (values or {}).items():
        setattr(obj, name, value)
    created = obj.pk is None
    obj.save()
    changes = audit.changes_between(before, audit.values_of(obj), type(obj))
    if created:
        changes = {name: pair for name, pair in changes.items() if pair[1] not in ("", None, [], False)}
    if not created and not changes:
        return obj
    _record_manual_lineage(obj, changes, user)
    audit.record_event(
        action="create" if created else "change",
        user=user,
        target=obj,
        changes={name: tuple(pair) for name, pair in changes.items()},
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
    checked = check_establishment_values(values, establishment=establishment)
    return save_record(obj=establishment, user=user, values=checked)


def create_establishment(
    *, organisation: Organisation, user: Any, values: Mapping[str, Any]
) -> Establishment:
    return update_establishment(
        establishment=Establishment(organisation=organisation), user=user, values=values
    )
