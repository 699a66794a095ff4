from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from grappe.intake.formats.limits import ReadLimits


class IntakeConfig(AppConfig):
    name = "grappe.intake"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from grappe.intake.formats.limits import set_limits_provider

        # Read on every open, so that a changed setting (tests, a reloaded configuration) applies at once.
        set_limits_provider(configured_limits)


def configured_limits() -> ReadLimits:
    """The read limits from the ``GRAPPE_IMPORT_*`` settings."""
    from django.conf import settings

    return ReadLimits(
        max_rows=settings.GRAPPE_IMPORT_MAX_ROWS,
        max_columns=settings.GRAPPE_IMPORT_MAX_COLUMNS,
        max_cells=settings.GRAPPE_IMPORT_MAX_CELLS,
        max_cell_chars=settings.GRAPPE_IMPORT_MAX_CELL_CHARS,
        max_decompressed_bytes=settings.GRAPPE_IMPORT_MAX_DECOMPRESSED_BYTES,
        max_compression_ratio=settings.GRAPPE_IMPORT_MAX_COMPRESSION_RATIO,
        max_repeated=settings.GRAPPE_IMPORT_MAX_REPEATED,
    )
