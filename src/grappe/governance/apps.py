from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "grappe.governance"
    verbose_name = _("Gouvernance")

    def ready(self) -> None:
        from grappe.core import audit, dependents
        from grappe.governance.dependents import DEPENDENTS

        dependents.declare(self.label, DEPENDENTS)
        audit.ACTION_LABELS.update(
            {
                "statutes.import": _("statuts : nouvelle version"),
                "mandate.start": _("mandat : prise de fonction"),
                "mandate.end": _("mandat : fin"),
                "procedure.open": _("procédure de fusion : ouverture"),
                "procedure.step": _("procédure de fusion : étape"),
            }
        )
