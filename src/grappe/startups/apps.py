from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StartupsConfig(AppConfig):
    name = "grappe.startups"
    verbose_name = _("Start-up")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.core import audit, dependents
        from grappe.registry import timeline
        from grappe.startups import selectors, services
        from grappe.startups.dependents import DEPENDENTS

        dependents.declare(self.label, DEPENDENTS)
        audit.ACTION_LABELS.update(services.ACTION_LABELS)
        # A converted start-up's pipeline history shows on its organisation's timeline.
        timeline.declare_source(self.label, selectors.timeline_entries)
