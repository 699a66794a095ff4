"""Undoing an applied merger: refused when a later merger depends on it or when the rows it changed have changed
since (the snapshot's checksums); otherwise the registry is restored exactly as it was before apply.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.locks import take_bulk_write_turn
from grappe.jobs import ProgressCallback
from grappe.mergers import snapshot as snapshots
from grappe.mergers.access import MergerRefused, audit, check_can_manage, check_status
from grappe.mergers.models import AuditEntry, Merger, MergerSnapshot


def check_undo(merger: Merger, *, verify_data: bool = True) -> None:
    """Raise ``MergerRefused`` with the reason when ``merger`` cannot be undone. ``verify_data=False`` leaves
    out the checksum of every row apply changed (minutes on a large merger): the web's POST and pages check the
    rest at once, and undo itself, in the worker, verifies the data before restoring anything."""
    check_status(merger, Merger.Status.APPLIED, "undo")
    networks = [
        merger.absorbing_id,
        merger.absorbed_id,
        *([merger.resulting_association_id] if merger.resulting_association_id else []),
    ]
    later = (
        Merger.objects.filter(status=Merger.Status.APPLIED, applied_at__gt=merger.applied_at)
        .filter(Q(absorbing_id__in=networks) | Q(absorbed_id__in=networks))
        .exclude(pk=merger.pk)
        .order_by("applied_at")
    )
    if later:
        names = ", ".join(_("n° %(id)s (%(merger)s)") % {"id": m.pk, "merger": m} for m in later)
        raise MergerRefused(
            _(
                "La fusion n° %(id)s (%(merger)s) ne peut pas être annulée : la fusion %(later)s, appliquée après, "
                "en dépend."
            )
            % {"id": merger.pk, "merger": merger, "later": names},
            hint=_("Annulez d'abord les fusions postérieures, de la plus récente à la plus ancienne."),
        )
    # The snapshot holds every row apply changed (hundreds of megabytes on a large merger): only its existence
    # is read here, its data only by the check that needs it.
    snapshot = MergerSnapshot.objects.filter(merger=merger)
    if not snapshot.exists():
        raise MergerRefused(
            _("La fusion n° %(id)s n'a pas d'instantané : elle ne peut pas être annulée.") % {"id": merger.pk}
        )
    if verify_data:
        check_data_unchanged(merger, snapshot.get())


def check_data_unchanged(merger: Merger, snap: MergerSnapshot) -> None:
    """``MergerRefused`` when rows apply changed have changed since (the snapshot's checksums)."""
    if snapshots.scope_checksum(snap.data["after_scope"]) != snap.touched_checksum:
        changed = [
            label.split(".")[1]
            for label, pks in snap.data["after_scope"].items()
            if snapshots.scope_checksum({label: pks}) != snap.data["after_checksums"].get(label)
        ]
        raise MergerRefused(
            _(
                "La fusion n° %(id)s (%(merger)s) ne peut pas être annulée : des données qu'elle a modifiées ont "
                "changé depuis (%(tables)s)."
            )
            % {"id": merger.pk, "merger": merger, "tables": ", ".join(changed)},
            hint=_("Une annulation écraserait ces changements ; corrigez plutôt le registre à la main."),
        )


def undo_merger(*, merger: Merger, user: Any = None, progress: ProgressCallback | None = None) -> Merger:
    """Restore the registry exactly as it was before ``merger`` was applied. ``progress`` hears its stages
    (``labels.ACTION_STEPS``), as the web's background job shows them."""
    check_can_manage(user, whole_network=True)
    with transaction.atomic():
        take_bulk_write_turn()  # an import's write or another merger's first (core.locks)
        merger = Merger.objects.select_for_update().get(pk=merger.pk)
        if progress is not None:
            progress("checks", 0, None)
        check_undo(merger)
        if progress is not None:
            progress("restore", 0, None)
        snap = merger.snapshot
        created = snap.data.get("created", {})
        if merger.resulting_association_id:
            merger.resulting_association = None
            merger.save(update_fields=["resulting_association"])
        snapshots.restore_snapshot(snap.data, created)
        if progress is not None:
            progress("record", 0, None)
        merger.status = Merger.Status.UNDONE
        merger.undone_by = user
        merger.undone_at = timezone.now()
        merger.save(update_fields=["status", "undone_by", "undone_at"])
        audit(
            merger, user, AuditEntry.Action.UNDO, restored={k: len(v) for k, v in snap.data["rows"].items()}
        )
    return merger
