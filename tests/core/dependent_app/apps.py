from django.apps import AppConfig


class DependentAppConfig(AppConfig):
    name = "core.dependent_app"
    label = "dependent_app"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dependent_app.dependents import DEPENDENTS
        from grappe.core import dependents

        dependents.declare(self.label, DEPENDENTS)
