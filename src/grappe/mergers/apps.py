from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergersConfig(AppConfig):
    name = "grappe.mergers"
    verbose_name = _("Fusions")
    default_auto_field = "django.db.models.BigAutoField"
