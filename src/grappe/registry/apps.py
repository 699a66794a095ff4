from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "grappe.registry"
    verbose_name = _("Registre")

    def ready(self) -> None:
        from grappe.core import dependents
        from grappe.registry.dependents import DEPENDENTS

        dependents.declare(self.label, DEPENDENTS)
