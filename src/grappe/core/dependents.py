"""The declared contract for dependents: what hangs off an organisation, an establishment, a person, a membership
or a territory.

Every relation from a model to one of the *folded* models (``FOLDED``) is declared once, by the app that
owns the model, in its own ``dependents.py``, with what becomes of its rows when two of them are merged
(``Fold``). The app's ``AppConfig.ready()`` hands the list over::

    # grappe/governance/dependents.py
    DEPENDENTS = (
        Dependent("governance.Mandate", "organisation", Fold.MOVE),
        Dependent("governance.Mandate", "person", Fold.MOVE, same=("body", "role")),
    )

    # grappe/governance/apps.py
    def ready(self) -> None:
        from grappe.core import dependents
        from grappe.governance.dependents import DEPENDENTS

        dependents.declare(self.label, DEPENDENTS)

Nothing is discovered by importing modules: an app that declares nothing has no dependents, and
``tests/core/test_dependents.py`` fails on any relation to a folded model that nobody declared.

The readers: ``fold_dependents`` (organisation merging, membership collapse and person folding in
``grappe.registry.services``), the merger's snapshot, checksum and undo (``grappe.mergers.snapshot``), and the
visibility rule (``grappe.registry.selectors.restrict``), which places a dependent row through the first
relation its model declares to a member record. A territory is folded too, by a merger that joins an absorbed
territory into the absorber's one of the same name (``grappe.registry.services.transfer_structure``).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import gettext as _

from grappe.core.chunks import chunked
from grappe.errors import UserError

# The member records a merger folds: two rows become one, so whatever points at the absorbed one must be told
# where to go.
MEMBER_RECORDS = ("registry.Organisation", "registry.Establishment", "registry.Person", "registry.Membership")
# The network's structure a merger folds: an absorbed territory joins the absorber's one of the same name. Every
# staff member sees the structure, so a relation to it never places a row for the visibility rule.
STRUCTURE = ("registry.Territory",)
FOLDED = (*MEMBER_RECORDS, *STRUCTURE)


class Fold(enum.StrEnum):
    """What becomes of a dependent row when the object it points at is folded into a survivor."""

    # Repointed to the survivor. With ``same``, a row the survivor already has (equal on those fields) stands
    # for both: the absorbed object's row is dropped (the undo snapshot keeps it).
    MOVE = "move"
    # Repointed to the survivor, never de-duplicated: both rows live on side by side (history: imported rows,
    # past mandates, attendance).
    KEEP_BOTH = "keep_both"
    # Repointed; rows equal on ``same`` become one, the survivor's, whose ``sum_field`` is their total (two dues
    # for the same year).
    SUM = "sum"
    # The merger is refused while such a row points at an object to fold (or, with ``same``, while it would
    # meet an equal row of the survivor), with ``refusal`` as the message. Nothing is changed.
    REFUSE = "refuse"


_DEFAULT_REFUSAL = (
    "« %(duplicate)s » ne peut pas être fusionné(e) dans « %(survivor)s » : %(count)d %(model)s s'y "
    "rattache(nt) (%(rows)s)."
)


@dataclass(frozen=True)
class Dependent:
    """One declared relation: ``model`` (``"app_label.ModelName"``) points at a folded model through ``field``
    (a foreign key, a one-to-one, a many-to-many, or a generic foreign key that may point at any of them)."""

    model: str
    field: str
    fold: Fold
    same: tuple[str, ...] | None = None
    sum_field: str = ""
    refusal: str = ""
    hint: str = ""

    def __post_init__(self) -> None:
        if self.fold is Fold.SUM and (not self.sum_field or self.same is None):
            raise ValueError(f"{self.model}.{self.field}: SUM needs same=(…) and sum_field")
        if self.fold is not Fold.SUM and self.sum_field:
            raise ValueError(f"{self.model}.{self.field}: sum_field only goes with SUM")
        if self.fold is Fold.KEEP_BOTH and self.same is not None:
            raise ValueError(f"{self.model}.{self.field}: KEEP_BOTH keeps equal rows, same=(…) means nothing")


@dataclass(frozen=True)
class Relation:
    """A declaration resolved against the installed models: the rows of ``model`` whose ``column`` holds the id
    of a ``target`` row (and, for a generic relation, whose content type is the target's)."""

    declaration: Dependent
    model: type[models.Model]  # the through model for a many-to-many
    target: type[models.Model]
    column: str  # attname: "organisation_id", "object_id"
    field: models.Field | None  # None for a generic relation
    content_type_field: str = ""  # a generic relation: the rows whose content type is the target's
    same: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label

    def rows(self) -> models.QuerySet:
        rows = self.model._base_manager.all()
        if self.content_type_field:
            from django.contrib.contenttypes.models import ContentType

            # Looked up each time (Django caches it): content type ids change when a test flushes the database.
            kind = ContentType.objects.get_for_model(self.target, for_concrete_model=False)
            rows = rows.filter(**{self.content_type_field: kind})
        return rows

    def pointing_at(self, ids: Iterable[int]) -> Iterable[models.QuerySet]:
        for chunk in chunked(sorted(set(ids))):
            yield self.rows().filter(**{f"{self.column}__in": chunk})


_declared: dict[str, tuple[Dependent, ...]] = {}


def declare(app_label: str, declarations: Iterable[Dependent]) -> None:
    """Record ``app_label``'s dependents (replacing what it declared before: ``ready()`` may run twice)."""
    declarations = tuple(declarations)
    for declaration in declarations:
        if declaration.model.split(".")[0] != app_label:
            raise ValueError(f"{app_label} declares {declaration.model}: an app declares only its own models")
    _declared[app_label] = declarations
    _resolved.cache_clear()


def declarations() -> tuple[Dependent, ...]:
    """Every declaration of the installed apps, in INSTALLED_APPS order."""
    return tuple(d for config in apps.get_app_configs() for d in _declared.get(config.label, ()))


def folded_models() -> list[type[models.Model]]:
    return [apps.get_model(label) for label in FOLDED]


def relations(target: type[models.Model] | None = None) -> list[Relation]:
    """The declared relations resolved, those pointing at ``target`` only when given."""
    return [r for r in _resolved() if target is None or r.target is target]


def dependent_models() -> list[type[models.Model]]:
    """Every model holding declared dependent rows (through models included), in a stable order."""
    unique = {relation.model._meta.label: relation.model for relation in relations()}
    return [unique[label] for label in sorted(unique)]


def placing_relation(model: type[models.Model]) -> Relation | None:
    """The relation that places ``model``'s rows in a territory: the first one its app declares to a member
    record (a row hanging on a territory straight away has its own rule, or none)."""
    for relation in relations():
        if (
            relation.model is model
            and relation.field is not None
            and relation.target._meta.label in MEMBER_RECORDS
        ):
            return relation
    return None


@functools.cache
def _resolved() -> tuple[Relation, ...]:
    # Resolved once (a merger folds thousands of groups); declare() clears it.
    return tuple(relation for declaration in declarations() for relation in _resolve(declaration))


def _resolve(declaration: Dependent) -> list[Relation]:
    model = apps.get_model(declaration.model)
    field = model._meta.get_field(declaration.field)
    for name in declaration.same or ():
        if not isinstance(model._meta.get_field(name), models.Field):
            raise ValueError(f"{declaration.model}: same=(…) names {name!r}, which is not one of its columns")
    folded = folded_models()
    if isinstance(field, GenericForeignKey):
        column = model._meta.get_field(field.fk_field).attname
        return [
            Relation(declaration, model, target, column, None, field.ct_field, declaration.same)
            for target in folded
        ]
    if declaration.fold is Fold.KEEP_BOTH and (field.many_to_many or getattr(field, "one_to_one", False)):
        raise ValueError(
            f"{declaration.model}.{declaration.field}: one row per parent cannot KEEP_BOTH; MOVE it"
        )
    if field.many_to_many:
        through = field.remote_field.through
        if not through._meta.auto_created:
            # Its rows carry their own fields (a plan's share of a territory): declared as that model's keys.
            raise ValueError(
                f"{declaration.model}.{declaration.field} goes through {through._meta.label}: declare its "
                "foreign keys instead"
            )
        ends = [f for f in through._meta.concrete_fields if f.is_relation]
        found = []
        for end in ends:
            if end.related_model in folded:
                others = tuple(other.name for other in ends if other is not end)
                found.append(Relation(declaration, through, end.related_model, end.attname, end, "", others))
        if not found:
            raise ValueError(f"{declaration.model}.{declaration.field} does not point at a folded model")
        return found
    if not field.is_relation or field.related_model not in folded:
        raise ValueError(f"{declaration.model}.{declaration.field} does not point at a folded model")
    same = () if field.one_to_one and declaration.same is None else declaration.same
    return [Relation(declaration, model, field.related_model, field.attname, field, "", same)]


# -- folding -------------------------------------------------------------------------------------------------


class DependentRefused(UserError):
    code = "grappe.dependent.refused"


def check_fold(*, survivor: models.Model, others: Sequence[models.Model]) -> None:
    """Raise ``DependentRefused`` when a REFUSE declaration forbids folding ``others`` into ``survivor``."""
    target = type(survivor)
    for relation in relations(target):
        if relation.declaration.fold is not Fold.REFUSE:
            continue
        for other in others:
            blocking = _blocking(relation, survivor, other)
            if blocking:
                _refuse(relation, survivor, other, blocking)


def _blocking(relation: Relation, survivor: models.Model, other: models.Model) -> list[models.Model]:
    rows = list(relation.rows().filter(**{relation.column: other.pk}).order_by("pk"))
    if relation.same is None or not rows:
        return rows
    kept = {_key(relation, row) for row in relation.rows().filter(**{relation.column: survivor.pk})}
    return [row for row in rows if _key(relation, row) in kept]


def _refuse(
    relation: Relation, survivor: models.Model, other: models.Model, rows: list[models.Model]
) -> None:
    shown = ", ".join(f"« {row} »" for row in rows[:3]) + (" …" if len(rows) > 3 else "")
    meta = relation.model._meta
    arguments = {
        "duplicate": other,
        "survivor": survivor,
        "count": len(rows),
        "model": meta.verbose_name if len(rows) == 1 else meta.verbose_name_plural,
        "rows": shown,
    }
    template = relation.declaration.refusal or _DEFAULT_REFUSAL
    raise DependentRefused(
        _(str(template)) % arguments,
        hint=_(str(relation.declaration.hint)) % arguments if relation.declaration.hint else "",
    )


def fold_dependents(
    *, survivor: models.Model, others: Sequence[models.Model], staying: Collection[str] = ()
) -> int:
    """Repoint (or merge, or refuse) every declared row pointing at ``others`` so that they can be deleted
    without cascading: the caller deletes ``others`` afterwards. Returns how many rows were dropped.

    ``staying``: labels of dependent models whose rows stay with ``others``, for a caller that keeps them (a
    membership ended rather than deleted keeps the lineage of its own values)."""
    others = [other for other in others if other.pk != survivor.pk]
    if not others:
        return 0
    check_fold(survivor=survivor, others=others)
    dropped = 0
    for relation in relations(type(survivor)):
        fold = relation.declaration.fold
        if fold is Fold.REFUSE or relation.label in staying:
            continue
        if fold is Fold.KEEP_BOTH or relation.same is None:
            for rows in relation.pointing_at(other.pk for other in others):
                rows.update(**{relation.column: survivor.pk})
            continue
        dropped += _fold_rows(relation, survivor, others)
    return dropped


def _key(relation: Relation, row: models.Model) -> tuple[Any, ...]:
    # ``same`` names the row's own columns (checked by _resolve): a foreign key compares by its id.
    fields = [cast(models.Field, relation.model._meta.get_field(name)) for name in relation.same or ()]
    return tuple(getattr(row, field.attname) for field in fields)


def _fold_rows(relation: Relation, survivor: models.Model, others: Sequence[models.Model]) -> int:
    """MOVE or SUM with ``same``: rows equal on ``same`` become the survivor's one."""
    kept: dict[tuple[Any, ...], models.Model] = {
        _key(relation, row): row
        for row in relation.rows().filter(**{relation.column: survivor.pk}).order_by("pk")
    }
    dropped = 0
    for rows in relation.pointing_at(other.pk for other in others):
        for row in rows.order_by("pk"):
            key = _key(relation, row)
            if key not in kept:
                relation.rows().filter(pk=row.pk).update(**{relation.column: survivor.pk})
                kept[key] = row
                continue
            into = kept[key]
            if relation.declaration.fold is Fold.SUM:
                name = relation.declaration.sum_field
                total = (getattr(into, name) or 0) + (getattr(row, name) or 0)
                relation.rows().filter(pk=into.pk).update(**{name: total})
                setattr(into, name, total)
            if relation.model._meta.label in FOLDED:
                fold_dependents(survivor=into, others=[row])
            row.delete()
            dropped += 1
    return dropped
