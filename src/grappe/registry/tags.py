"""An association's tags edited by its staff (issue 10): list them with how many organisations carry each, create,
rename, delete and merge them.

A tag belongs to its association, not to a territory: changing one changes it for every antenna. So, like the
association's statutes, tags are edited by head-office staff holding the right to edit the registry
(``can_edit_tags``); everyone else reads them. The counts are read through the visibility rule (territorial
staff count their organisations only). A name the association already has, whatever its case or accents
(« Été » and « ete »), is refused on the name field. Every change is audited: the tag's event, and for
deletions and merges one event per organisation losing or gaining a tag (its timeline shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from grappe.core import audit
from grappe.core.access import sees_whole_network
from grappe.core.chunks import chunked
from grappe.errors import NotFound, UserError
from grappe.france.text import strip_accents
from grappe.registry import selectors
from grappe.registry.models import Association, Organisation, Tag

NAME_MAX: int = Tag._meta.get_field("name").max_length or 60


class TagRefused(UserError):
    """A change refused, nothing done; ``field``: the form field it concerns (or "")."""

    code = "registry.tag_refused"

    def __init__(self, message: str, *, field: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.field = field


def can_edit_tags(user: Any) -> bool:
    """Head-office staff (and superusers) holding the right to edit the registry: tags are association-wide."""
    return selectors.can_edit_registry(user) and sees_whole_network(user)


def check_can_edit_tags(user: Any) -> None:
    if not can_edit_tags(user):
        raise TagRefused(
            _(
                "Les étiquettes valent pour toute l'association : elles sont gérées par la direction et le "
                "siège, avec le droit de modifier le registre."
            )
        )


def name_key(name: str) -> str:
    """What makes two names the same for people: case, accents and spaces aside (« Été » = « ete »)."""
    return " ".join(strip_accents(name).casefold().split())


@dataclass(frozen=True)
class TagRow:
    tag: Tag
    count: int  # organisations carrying it that the user sees


def tags_of(user: Any, association: Association) -> list[TagRow]:
    """The association's tags by name, each with the number of organisations the user sees carrying it."""
    visible = selectors.visible_organisations(user).values("pk")
    tags = Tag.objects.filter(association=association).annotate(
        carried=Count("organisations", filter=Q(organisations__in=visible), distinct=True)
    )
    # By name as French readers sort it (accents aside): an association has a few dozen tags.
    return [TagRow(tag, tag.carried) for tag in sorted(tags, key=lambda tag: (name_key(tag.name), tag.pk))]


def get_tag(user: Any, pk: int) -> Tag:
    """The tag ``pk`` of an association the user sees, or ``NotFound``."""
    tag = (
        Tag.objects.select_related("association")
        .filter(association__in=selectors.visible_associations(user))
        .filter(pk=pk)
        .first()
    )
    if tag is None:
        raise NotFound(_("Étiquette n° %(id)s introuvable.") % {"id": pk})
    return tag


def carriers(tag: Tag) -> QuerySet[Organisation]:
    """Every organisation carrying ``tag`` (head office sees them all), by name."""
    return Organisation.objects.filter(tags=tag).order_by("name", "pk")


def check_name(association: Association, name: str, *, tag: Tag | None = None) -> str:
    """``name`` with its spaces tidied, or ``TagRefused`` on the field « nom »: empty, too long, or a name the
    association already has (case and accents aside) other than ``tag``'s own."""
    name = " ".join(name.split())
    if not name:
        raise TagRefused(
            _("Donnez un nom à l'étiquette."), field="nom", hint=_("Par exemple « Salon 2026 ».")
        )
    if len(name) > NAME_MAX:
        raise TagRefused(
            _("Le nom d'une étiquette tient en %(max)d caractères (%(n)d tapés).")
            % {"max": NAME_MAX, "n": len(name)},
            field="nom",
        )
    other = namesake(association, name, excluding=tag)
    if other is not None:
        raise TagRefused(
            _("%(association)s a déjà l'étiquette « %(name)s ».")
            % {"association": association.name, "name": other.name},
            field="nom",
            hint=_("Choisissez un autre nom, ou fusionnez les deux étiquettes."),
        )
    return name


def namesake(association: Association, name: str, *, excluding: Tag | None = None) -> Tag | None:
    """The association's tag that ``name`` names, case, accents and spaces aside (« ete » finds « Été »), other
    than ``excluding``: the one rule every way of naming a tag (these pages, the list's bulk action, the admin)
    goes through, so none of them creates a second « Été »."""
    wanted = name_key(name)
    others = Tag.objects.filter(association=association)
    if excluding is not None and excluding.pk is not None:
        others = others.exclude(pk=excluding.pk)
    return next((other for other in others if name_key(other.name) == wanted), None)


def _save(tag: Tag) -> None:
    """Save, a name taken a moment ago by a colleague (the database's rule) refused like a checked one."""
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError as error:
        raise TagRefused(
            _("%(association)s a déjà l'étiquette « %(name)s ».")
            % {"association": tag.association.name, "name": tag.name},
            field="nom",
        ) from error


@transaction.atomic
def create_tag(*, user: Any, association: Association, name: str) -> Tag:
    check_can_edit_tags(user)
    tag = Tag(association=association, name=check_name(association, name))
    _save(tag)
    audit.record_event(action="tag.create", user=user, target=tag, details={"association": association.name})
    return tag


@transaction.atomic
def rename_tag(*, user: Any, tag: Tag, name: str) -> Tag:
    """Rename ``tag`` (a change of case or accents of its own name is allowed)."""
    check_can_edit_tags(user)
    new_name = check_name(tag.association, name, tag=tag)
    old_name = tag.name
    if new_name == old_name:
        return tag
    tag.name = new_name
    _save(tag)
    audit.record_event(
        action="tag.rename",
        user=user,
        target=tag,
        changes={"name": (old_name, new_name)},
        details={"association": tag.association.name},
    )
    return tag


def _check_expected(count: int, expected: int) -> None:
    if count != expected:
        raise TagRefused(
            _(
                "Le nombre d'organisations concernées a changé depuis la confirmation (%(then)d, maintenant "
                "%(now)d) : rien n'a été modifié, vérifiez à nouveau."
            )
            % {"then": expected, "now": count}
        )


def _record_per_organisation(user: Any, action: str, organisations: list[tuple[int, str]], tag: Tag) -> None:
    for pk, name in organisations:
        audit.record_event(
            action=action,
            user=user,
            target=Organisation(pk=pk),
            label=name,
            details={"étiquette": tag.name, "association": tag.association.name},
        )


@transaction.atomic
def delete_tag(*, user: Any, tag: Tag, expected: int) -> int:
    """Delete ``tag``, taken off the organisations carrying it; ``expected``: the count the user confirmed (a
    different one refuses, nothing deleted). Returns how many organisations lost it."""
    check_can_edit_tags(user)
    tag = Tag.objects.select_for_update().select_related("association").get(pk=tag.pk)
    organisations = list(carriers(tag).values_list("pk", "name"))
    _check_expected(len(organisations), expected)
    _record_per_organisation(user, "organisation.untag", organisations, tag)
    audit.record_event(
        action="tag.delete",
        user=user,
        target=tag,
        details={"association": tag.association.name, "organisations": len(organisations)},
    )
    tag.delete()
    return len(organisations)


def merge_target(tag: Tag, target_id: str) -> Tag:
    """The tag ``tag`` merges into, or ``TagRefused`` on the field « cible »: another tag of its association."""
    target = (
        Tag.objects.select_related("association").filter(pk=target_id).first()
        if target_id.isdigit()
        else None
    )
    if target is None or target.association_id != tag.association_id:
        raise TagRefused(
            _("Choisissez l'étiquette de %(association)s dans laquelle fondre « %(name)s ».")
            % {"association": tag.association.name, "name": tag.name},
            field="cible",
        )
    if target.pk == tag.pk:
        raise TagRefused(
            _("Une étiquette ne se fusionne pas avec elle-même : choisissez-en une autre."), field="cible"
        )
    return target


def planned_merge(tag: Tag, target: Tag) -> QuerySet[Organisation]:
    """The organisations carrying ``tag`` but not yet ``target``: those that gain ``target``."""
    return carriers(tag).exclude(tags=target)


@transaction.atomic
def merge_tags(*, user: Any, tag: Tag, target: Tag, expected: int) -> int:
    """Fold ``tag`` into ``target``: the organisations carrying ``tag`` carry ``target``, ``tag`` is deleted.
    ``expected``: how many gain ``target``, as confirmed (a different count refuses, nothing changed)."""
    check_can_edit_tags(user)
    locked = {
        t.pk: t
        for t in Tag.objects.select_for_update()
        .select_related("association")
        .filter(pk__in=[tag.pk, target.pk])
    }
    if len(locked) != 2:
        raise TagRefused(_("L'une des deux étiquettes n'existe plus : rien n'a été modifié."))
    tag, target = locked[tag.pk], locked[target.pk]
    gaining = list(planned_merge(tag, target).values_list("pk", "name"))
    _check_expected(len(gaining), expected)
    through = Organisation.tags.through
    for chunk in chunked(gaining):
        through.objects.bulk_create(
            [through(organisation_id=pk, tag_id=target.pk) for pk, _name in chunk], ignore_conflicts=True
        )
    _record_per_organisation(user, "organisation.tag", gaining, target)
    audit.record_event(
        action="tag.merge",
        user=user,
        target=target,
        details={"association": target.association.name, "fondue": tag.name, "organisations": len(gaining)},
    )
    audit.record_event(
        action="tag.delete",
        user=user,
        target=tag,
        details={"association": tag.association.name, "fondue dans": target.name},
    )
    tag.delete()
    return len(gaining)
