"""The core's one model: the append-only audit log every app writes through ``grappe.core.audit``."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit event: the log is append-only."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(
        f"The audit log is append-only: {what} is refused. Record a new event with "
        "grappe.core.audit.record_event instead."
    )


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update()")

    def delete(self) -> NoReturn:
        _refuse("delete()")

    def bulk_update(self, objs: Any, fields: Any, batch_size: Any = None) -> NoReturn:
        _refuse("bulk_update()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("update_or_create()")


class AuditEvent(models.Model):
    """One change to the data: who, when, what (an action code), on which object, old → new values.

    The object is a generic reference (any app's model) plus its label kept as text, so the event still reads
    after the object is deleted or merged away. ``parent`` is the object whose history also shows the event
    (an establishment's or a membership's organisation); ``context`` the merger or the import it belongs to.
    Written only by ``grappe.core.audit.record_event``; the ORM refuses to update or delete an event.
    """

    at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The author as text (a name, or « ligne de commande »): survives the account's deletion.
    actor = models.CharField(_("auteur"), max_length=150)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.ForeignKey(
        ContentType, verbose_name=_("type d'objet"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("n° de l'objet"), null=True)
    object_label = models.CharField(_("objet"), max_length=300, blank=True)
    parent_type = models.ForeignKey(ContentType, null=True, on_delete=models.PROTECT, related_name="+")
    parent_id = models.PositiveBigIntegerField(null=True)
    context_type = models.ForeignKey(ContentType, null=True, on_delete=models.PROTECT, related_name="+")
    context_id = models.PositiveBigIntegerField(null=True)
    context_label = models.CharField(_("dans le cadre de"), max_length=300, blank=True)
    # Field name → [old, new], values as JSON (dates as ISO text, decimals as text).
    changes = models.JSONField(_("modifications"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    details = models.JSONField(_("détails"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["parent_type", "parent_id", "at"], name="audit_parent"),
            models.Index(fields=["context_type", "context_id", "at"], name="audit_context"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor} : {self.action} {self.object_label}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("save() of an existing event")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")
