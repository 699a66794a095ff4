"""The audit log: one append-only event per change to the data, written by every service that changes it.

Zulip's ``RealmAuditLog`` and Healthchecks' ``Flip`` are the models: who (an account, or « ligne de commande »
for the CLI and background steps), when, an action code, on which object (kept as text too, so the event still
reads after the object is gone), old → new values, and the merger or import it belongs to.

- ``record_event(...)``: the one way to write an event (services call it inside their transaction, so a rolled
  back change leaves no event either);
- ``values_of(obj)`` / ``changes_between(before, after)``: what changed on a model instance, as JSON;
- ``history(*objects, extra=Q())``: the events of an object (and of what hangs off it), newest first;
- ``action_label(code)``: how an action code reads to people.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.models import AuditEvent
from grappe.france.amounts import format_amount

COMMAND_LINE = "ligne de commande"

# Every action code an app records, with how it reads (one place, like Datasette's hookspecs).
ACTION_LABELS: dict[str, Any] = {
    "create": _("création"),
    "change": _("modification"),
    "delete": _("suppression"),
    "import": _("import d'un fichier"),
    "import.correct": _("import : valeur corrigée avant l'import"),
    "organisation.merge": _("fusion de fiches en double"),
    "association.absorb": _("absorption d'une association"),
    "merger.import": _("fusion : import du fichier"),
    "merger.plan": _("fusion : plan"),
    "merger.decide": _("fusion : décision"),
    "merger.bulk_accept": _("fusion : acceptation groupée"),
    "merger.import_decisions": _("fusion : import de décisions"),
    "merger.mapping": _("fusion : correspondance des types d'adhésion"),
    "merger.apply": _("fusion : application"),
    "merger.apply_failed": _("fusion : échec de l'application"),
    "merger.undo": _("fusion : annulation"),
    "merger.abandon": _("fusion : abandon du plan"),
    "merger.report": _("fusion : rapport"),
    "filter.save": _("filtre enregistré"),
    "filter.delete": _("filtre supprimé"),
    "tag.create": _("étiquette créée"),
    "tag.rename": _("étiquette renommée"),
    "tag.delete": _("étiquette supprimée"),
    "tag.merge": _("étiquettes fusionnées"),
    "organisation.tag": _("étiquette ajoutée"),
    "organisation.untag": _("étiquette retirée"),
    "staff.move": _("salarié : changement d'implantation"),
}

# Bookkeeping fields whose change is not news: timestamps and search keys maintained by the code.
_SKIPPED = {"created_at", "updated_at", "search_name", "search_city", "sort_name"}


def actor_label(user: Any) -> str:
    """The author as the log shows it: the account's full name or login, « ligne de commande » for None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return COMMAND_LINE
    return user.get_full_name() or user.get_username()


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def as_json(value: Any) -> Any:
    """A field value as the log stores it: dates as ISO text, decimals as text, model instances by label."""
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


def values_of(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys by id), bookkeeping fields left out."""
    wanted = set(fields) if fields is not None else None
    values = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in _SKIPPED:
            continue
        if wanted is not None and field.name not in wanted:
            continue
        values[field.name] = getattr(obj, field.attname)
    return values


def changes_between(
    before: Mapping[str, Any], after: Mapping[str, Any], model: type[models.Model] | None = None
) -> dict[str, list[Any]]:
    """Field → [old, new] for each field whose value differs; foreign keys shown by their object's label."""
    changed = {}
    for name in sorted({*before, *after}):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        changed[name] = [_shown(model, name, old), _shown(model, name, new)]
    return changed


def _shown(model: type[models.Model] | None, name: str, value: Any) -> Any:
    if model is None or value is None:
        return as_json(value)
    field = model._meta.get_field(name)
    related_model = field.related_model if field.is_relation and field.many_to_one else None
    if isinstance(related_model, type) and issubclass(related_model, models.Model):
        related = related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    return as_json(value)


def _reference(obj: models.Model | None) -> tuple[ContentType | None, int | None]:
    if obj is None:
        return None, None
    return ContentType.objects.get_for_model(obj, for_concrete_model=False), obj.pk


def record_event(
    *,
    action: str,
    user: Any = None,
    target: models.Model | None = None,
    label: str = "",
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    parent: models.Model | None = None,
    context: models.Model | None = None,
    at: datetime.datetime | None = None,
) -> AuditEvent:
    """Append one event. ``target`` is the object changed (its label kept as text: ``label`` or ``str``);
    ``parent`` the object whose history also shows it; ``context`` the merger or import it belongs to.
    ``user`` None (or anonymous) is the command line. ``changes``: field → (old, new)."""
    object_type, object_id = _reference(target)
    parent_type, parent_id = _reference(parent)
    context_type, context_id = _reference(context)
    event = AuditEvent(
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        actor=actor_label(user)[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=(label or (str(target) if target is not None else ""))[:300],
        parent_type=parent_type,
        parent_id=parent_id,
        context_type=context_type,
        context_id=context_id,
        context_label=str(context)[:300] if context is not None else "",
        changes={name: [as_json(old), as_json(new)] for name, (old, new) in (changes or {}).items()},
        details={key: as_json(value) for key, value in (details or {}).items()},
    )
    if at is not None:
        event.at = at
    event.save()
    return event


def about(obj: models.Model) -> Q:
    """The events on ``obj`` itself or on what hangs off it (events whose parent it is)."""
    content_type, pk = _reference(obj)
    return Q(object_type=content_type, object_id=pk) | Q(parent_type=content_type, parent_id=pk)


def within(model: type[models.Model], ids: Iterable[int]) -> Q:
    """The events recorded in the context of these objects (a merger, an imported file)."""
    return Q(context_type=ContentType.objects.get_for_model(model), context_id__in=sorted(set(ids)))


def history(*objects: models.Model, extra: Q | None = None) -> QuerySet[AuditEvent]:
    """The events about ``objects`` (or matching ``extra``), newest first."""
    condition = Q(pk__in=[])
    for obj in objects:
        condition |= about(obj)
    if extra is not None:
        condition |= extra
    return AuditEvent.objects.filter(condition).select_related("object_type").order_by("-at", "-pk")


# -- reading ---------------------------------------------------------------------------------------------

# Keys of ``AuditEvent.details`` as people read them.
DETAIL_LABELS: dict[str, Any] = {
    "association": _("association"),
    "rows": _("lignes lues"),
    "imported": _("lignes importées"),
    "rejected": _("lignes rejetées"),
    "organisations_created": _("organisations créées"),
    "rows_matched": _("lignes rattachées à une organisation existante"),
    "establishments_created": _("établissements créés"),
    "memberships_created": _("adhésions créées"),
    "people_created": _("personnes créées"),
    "folded": _("fiches fusionnées dans celle-ci"),
    "into": _("absorbée par"),
    # A merger procedure taken over by a new plan: the abandoned plan it was opened on (« Auvergne TIC → Numélink »).
    "abandoned_plan": _("plan abandonné"),
    "effective_on": _("à compter du"),
    "memberships_moved": _("adhésions transférées"),
    "memberships_ended": _("adhésions en double terminées (fusion)"),
    "establishments_collapsed": _("établissements sans SIRET réunis à celui de même adresse"),
    "end_reason": _("motif du départ"),
    "answered_starts_on": _("adhérents depuis (réponse à l'import)"),
    "answered_membership_type": _("type d'adhésion (réponse à l'import)"),
    "answered_status": _("statut (réponse à l'import)"),
    "line": _("ligne"),
    "column": _("colonne"),
    "value": _("valeur"),
    "action": _("opération"),
    # Finance: dues, payments, receipts, the bank statement, reminders, budget actuals.
    "created": _("créées"),
    "already_due": _("déjà appelées"),
    "total": _("total"),
    "amount": _("montant"),
    "amounts": _("montants"),
    "amount_cents": _("montant"),
    "total_cents": _("total"),
    "dues": _("cotisations"),
    "on": _("date"),
    "reason": _("motif"),
    "receipt": _("reçu"),
    "original": _("paiement d'origine"),
    "chosen": _("cotisation choisie à la main"),
    "lines": _("lignes du relevé"),
    "new": _("lignes nouvelles"),
    "already_imported": _("lignes déjà importées"),
    "matched": _("rapprochées"),
    "queued": _("à vérifier"),
    "returned": _("rejets de prélèvement"),
    "sent": _("relances envoyées"),
    "already_sent": _("déjà relancées"),
    "without_address": _("sans adresse e-mail"),
    "failed": _("envois en échec"),
    "budget": _("budget"),
    "category": _("catégorie"),
    "file": _("fichier"),
    "entries": _("écritures"),
    # Governance and start-ups.
    "version": _("version"),
    "adopted_on": _("adoptés le"),
    "term_ends_on": _("fin du mandat"),
    "person": _("personne n°"),
    "name": _("nom"),
    "organisation": _("organisation n°"),
    "recipient": _("destinataire"),
    "due_on": _("échéance"),
    # Tags and saved lists (keys written in French by earlier versions: kept so their events still read).
    "organisations": _("organisations"),
    "étiquette": _("étiquette"),
    "fondue": _("étiquette fondue"),
    "fondue dans": _("fondue dans"),
    "liste": _("liste"),
    "recherche": _("recherche"),
    "partagé": _("partagée"),
}
# Details stored as ISO dates, euro amounts (text such as "450.00") or cents, shown as people write them.
_DATE_DETAILS = frozenset({"on", "effective_on", "adopted_on", "term_ends_on", "due_on"})
_AMOUNT_DETAILS = frozenset({"amount", "amounts", "total"})
_CENT_DETAILS = frozenset({"amount_cents", "total_cents"})
# Details stored as a French message (``gettext_noop``: the log keeps the network's language whoever wrote it),
# read in the reader's language.
_MESSAGE_DETAILS = frozenset({"action"})


def _named(item: dict[str, Any]) -> Any:
    """What a listed record is called: its name, or a site's place and the SIRET it was joined to."""
    if "name" in item:
        return item["name"]
    if "place" in item:
        return f"{item['place']} → {item['into']}" if item.get("into") else item["place"]
    return item


def _text(value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("oui") if value else _("non"))
    if isinstance(value, list):
        return ", ".join(_text(_named(item) if isinstance(item, dict) else item) for item in value)
    return str(value)


def _changed_field(event: AuditEvent, name: str) -> models.Field | None:
    """The model field an event's change names; None for a model or a field since removed."""
    content_type = event.object_type if event.object_type_id else None  # no query for an event on no object
    model = content_type.model_class() if content_type is not None else None
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_label(event: AuditEvent, name: str) -> str:
    """A changed field's French name (« raison sociale » for ``name``), its code name when unknown."""
    field = _changed_field(event, name)
    return str(field.verbose_name) if field is not None else name


def _readable(event: AuditEvent, name: str, value: Any) -> Any:
    """A stored value as people read it: a choice by its label (« terminée », not ``ended``), a date in
    words; anything else as stored."""
    field = _changed_field(event, name)
    if field is None or value in (None, ""):
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return date_format(datetime.date.fromisoformat(str(value)))
        except ValueError:
            return value
    return value


def described_changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field, old, new) as people read them."""
    return [
        (field_label(event, name), _text(_readable(event, name, old)), _text(_readable(event, name, new)))
        for name, (old, new) in event.changes.items()
    ]


def _detail_value(key: str, value: Any) -> Any:
    """A detail as people read it: a date in words, an amount in euros; anything unreadable as stored."""
    if isinstance(value, list):
        return [_detail_value(key, item) for item in value]
    if key in _MESSAGE_DETAILS and isinstance(value, str):
        return gettext(value)
    try:
        if key in _DATE_DETAILS and isinstance(value, str):
            return date_format(datetime.date.fromisoformat(value))
        if key in _AMOUNT_DETAILS and isinstance(value, str | int | float):
            return format_amount(decimal.Decimal(str(value)))
        if key in _CENT_DETAILS and isinstance(value, int):
            return format_amount((decimal.Decimal(value) / 100).quantize(decimal.Decimal("0.01")))
    except (ValueError, decimal.InvalidOperation):
        pass
    return value


def described_details(event: AuditEvent) -> list[tuple[str, str]]:
    """(label, text) for each detail worth showing; empty values left out."""
    return [
        (str(DETAIL_LABELS.get(key, key)), _text(_detail_value(key, value)))
        for key, value in event.details.items()
        if value not in (None, "", [], {})
    ]
