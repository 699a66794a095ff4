from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "grappe.finance"
    verbose_name = _("Finances")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from grappe.core import audit, dependents
        from grappe.finance import actuals, budgets, documents, reconciliation, reminders, services
        from grappe.finance.dependents import DEPENDENTS

        dependents.declare(self.label, DEPENDENTS)
        # The audit log's labels are one table; each app adds its own action codes to it.
        audit.ACTION_LABELS.update(services.ACTION_LABELS)
        audit.ACTION_LABELS.update(documents.ACTION_LABELS)
        audit.ACTION_LABELS.update(budgets.ACTION_LABELS)
        audit.ACTION_LABELS.update(actuals.ACTION_LABELS)
        audit.ACTION_LABELS.update(reconciliation.ACTION_LABELS)
        audit.ACTION_LABELS.update(reminders.ACTION_LABELS)
