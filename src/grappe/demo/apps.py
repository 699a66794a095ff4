from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "grappe.demo"
    verbose_name = _("Démonstration")

    def ready(self) -> None:
        from django.conf import settings

        from grappe.core.deployment import PRODUCTION
        from grappe.demo import checks

        checks.register(production=settings.GRAPPE_ENV == PRODUCTION)
