from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "grappe.governance"
    verbose_name = _("Gouvernance")

    def ready(self) -> None:
        from grappe.core import audit, dependents
        from grappe.governance import procedure
        from grappe.governance.dependents import DEPENDENTS
        from grappe.mergers import signals

        dependents.declare(self.label, DEPENDENTS)
        # A merger's procedure follows it from an abandoned plan to the one that replaces it.
        signals.replanned.connect(procedure.carry_over, dispatch_uid="governance.procedure.carry_over")
        audit.ACTION_LABELS.update(
            {
                "statutes.import": _("statuts : nouvelle version"),
                "mandate.start": _("mandat : prise de fonction"),
                "mandate.end": _("mandat : fin"),
                "procedure.open": _("procédure de fusion : ouverture"),
                "procedure.step": _("procédure de fusion : étape"),
                "procedure.carry_over": _("procédure de fusion : reprise par le nouveau plan"),
            }
        )
