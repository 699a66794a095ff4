from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "grappe.finance"
    verbose_name = _("Finances")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.core import audit, dependents
        from grappe.finance.dependents import DEPENDENTS
        from grappe.finance.services import ACTION_LABELS

        dependents.declare(self.label, DEPENDENTS)
        # The audit log's labels are one table; each app adds its own action codes to it.
        audit.ACTION_LABELS.update(ACTION_LABELS)
