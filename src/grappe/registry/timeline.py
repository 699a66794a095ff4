"""An organisation's life in one list (issue 10): memberships begun and ended, the files that fed it, the
mergers and the edits, with who and when, newest first.

Built by one selector, ``organisation_timeline``, from the three places the story is kept: the memberships'
dates, the lineage of imported rows (which file gave which values, who imported it) and the audit log (edits
by hand, merged duplicates, a merger's changes, the reason a member left), and from what other apps declare
(``declare_source``: a start-up's pipeline before it became a member), read in INSTALLED_APPS order.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core import audit
from grappe.core.models import AuditEvent
from grappe.registry.models import Lineage, Membership, Organisation, SourceFile
from grappe.registry.selectors import User, get_organisation

# Past this many audit events, the oldest are left to the « Historique » page (paginated).
EVENT_LIMIT = 200


@dataclass
class TimelineEntry:
    kind: str  # membership, departure, import, merger, edit: the marker shown beside the entry
    title: str
    when: datetime.datetime | datetime.date
    who: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def moment(self) -> datetime.datetime:
        if isinstance(self.when, datetime.datetime):
            return self.when
        # A date without a time (a membership's start) sorts at the end of its day, after that day's edits.
        return timezone.make_aware(datetime.datetime.combine(self.when, datetime.time.max))

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime.datetime)


# Other apps' parts of an organisation's story: app label → entries of an organisation. Declared by the app's
# ``ready()`` (as its dependents are), never discovered by import.
Source = Callable[[Organisation], list[TimelineEntry]]
_sources: dict[str, Source] = {}


def declare_source(app_label: str, source: Source) -> None:
    """Add ``source``'s entries to every organisation's timeline (replacing what ``app_label`` declared)."""
    _sources[app_label] = source


def _declared_entries(organisation: Organisation) -> list[TimelineEntry]:
    from django.apps import apps

    return [
        entry
        for config in apps.get_app_configs()
        if config.label in _sources
        for entry in _sources[config.label](organisation)
    ]


@dataclass
class Timeline:
    organisation: Organisation
    entries: list[TimelineEntry]
    events_truncated: bool


def organisation_timeline(user: User, pk: int) -> Timeline:
    """The timeline of organisation ``pk`` as ``user`` may see it (outside their territory: ``NotFound``)."""
    organisation = get_organisation(user, pk)
    history = audit.history(organisation).exclude(action="import").select_related("context_type")
    events = list(history[: EVENT_LIMIT + 1])
    entries = [
        *_membership_entries(organisation),
        *_import_entries(organisation),
        *(_event_entry(event) for event in events[:EVENT_LIMIT]),
        *_declared_entries(organisation),
    ]
    entries.sort(key=lambda entry: entry.moment, reverse=True)
    return Timeline(organisation=organisation, entries=entries, events_truncated=len(events) > EVENT_LIMIT)


def _membership_entries(organisation: Organisation) -> list[TimelineEntry]:
    entries = []
    memberships = organisation.memberships.select_related("association", "origin", "membership_type")
    for membership in memberships.order_by("pk"):
        association = membership.association.name
        if membership.starts_on:
            lines = [membership.category] if membership.category else []
            if membership.origin is not None:
                lines.append(_("apportée par %(origin)s") % {"origin": membership.origin.name})
            entries.append(
                TimelineEntry(
                    kind="membership",
                    title=_("Adhésion à %(association)s") % {"association": association},
                    when=membership.starts_on,
                    lines=lines,
                )
            )
        if membership.ends_on:
            entries.append(
                TimelineEntry(
                    kind="departure",
                    title=_("Fin de l'adhésion à %(association)s") % {"association": association},
                    when=membership.ends_on,
                    lines=[str(membership.get_status_display()), *_end_reason_lines(membership)],
                )
            )
    return entries


def _end_reason_lines(membership: Membership) -> list[str]:
    """« motif : démission », then its details when given."""
    if not membership.end_reason:
        return [membership.end_reason_detail] if membership.end_reason_detail else []
    lines = [_("motif : %(reason)s") % {"reason": membership.get_end_reason_display()}]
    return [*lines, membership.end_reason_detail] if membership.end_reason_detail else lines


def _import_entries(organisation: Organisation) -> list[TimelineEntry]:
    """One entry per imported file that fed the organisation, with its lines and the fields its lineage says
    they gave (the organisation's own lineage, and that of its establishments, people and memberships)."""
    records = organisation.source_records.values_list("pk", "source_file_id", "line_number")
    lines_by_file: dict[int, list[int]] = defaultdict(list)
    file_of: dict[int, int] = {}
    for record_id, file_id, line in records:
        lines_by_file[file_id].append(line)
        file_of[record_id] = file_id
    if not lines_by_file:
        return []
    fields_by_file: dict[int, set[str]] = defaultdict(set)
    # Joined, not a list of ids: an organisation fed by thousands of rows must not hit SQLite's variable limit.
    lineage = Lineage.objects.filter(source_record__organisation=organisation).values_list(
        "source_record_id", "content_type_id", "field"
    )
    for record_id, content_type_id, name in lineage.distinct():
        fields_by_file[file_of[record_id]].add(_field_label(content_type_id, name))
    files = (
        SourceFile.objects.filter(records__organisation=organisation)
        .distinct()
        .select_related("association", "imported_by")
    )
    entries = []
    for source_file in files:
        numbers = sorted(lines_by_file[source_file.pk])
        lines = [
            _("fichier de %(association)s, ligne %(lines)s")
            % {"association": source_file.association.name, "lines": ", ".join(map(str, numbers[:10]))}
            + ("…" if len(numbers) > 10 else "")
        ]
        if fields_by_file[source_file.pk]:
            lines.append(
                _("valeurs fournies : %(fields)s")
                % {"fields": ", ".join(sorted(fields_by_file[source_file.pk]))}
            )
        user = source_file.imported_by
        entries.append(
            TimelineEntry(
                kind="import",
                title=_("Import de « %(file)s »") % {"file": source_file},
                when=source_file.imported_at,
                who=audit.actor_label(user) if user is not None else "",
                lines=lines,
            )
        )
    return entries


def _field_label(content_type_id: int, name: str) -> str:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name)) if model else name
    except Exception:  # a field since removed
        return name


def _event_entry(event: AuditEvent) -> TimelineEntry:
    title = audit.action_label(event.action).capitalize()
    if event.object_label and event.object_type is not None:
        title = f"{title} — {event.object_type.name} « {event.object_label} »"
    lines = [f"{label} : {old} → {new}" for label, old, new in audit.described_changes(event)]
    lines += [f"{label} : {text}" for label, text in audit.described_details(event)]
    if event.context_label:
        lines.append(_("dans le cadre de : %(context)s") % {"context": event.context_label})
    merger = event.action.startswith(("merger.", "organisation.merge", "association.")) or (
        event.context_type is not None and event.context_type.model == "merger"
    )
    return TimelineEntry(
        kind="merger" if merger else "edit", title=title, when=event.at, who=event.actor, lines=lines
    )
