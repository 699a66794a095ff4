"""``grappe dues …``: generate a year's dues from the command line (acting as the system, ``user=None``)."""

from __future__ import annotations

from typing import Any

import typer

from grappe.cli import app, out_console, user_command

dues_app = typer.Typer(help="Cotisations : générer les cotisations d'une année.", no_args_is_help=True)
app.add_typer(dues_app, name="dues")


def _schedule(year: int, association: str | None) -> Any:
    from grappe.errors import NotFound, UserError
    from grappe.finance.models import FeeSchedule

    schedules = FeeSchedule.objects.filter(year=year).select_related("association")
    if association:
        schedules = schedules.filter(association__name__iexact=association) | schedules.filter(
            association__short_name__iexact=association
        )
    found = list(schedules)
    if not found:
        raise NotFound(
            f"Aucun barème de cotisation {year}" + (f" pour « {association} »." if association else "."),
            hint="Saisissez le barème voté en AGO dans l'administration (Finances › Barèmes de cotisation).",
        )
    if len(found) > 1:
        names = ", ".join(f"« {s.association} »" for s in found)
        raise UserError(
            f"Plusieurs associations ont un barème {year} ({names}).",
            hint=f'Précisez laquelle : grappe dues generate --year {year} --association "{found[0].association}".',
        )
    return found[0]


@dues_app.command("generate")
@user_command
def generate(
    year: int = typer.Option(..., "--year", help="Année des cotisations (ex. : 2026)."),
    association: str | None = typer.Option(None, "--association", help="Nom ou sigle de l'association."),
) -> None:
    """Émet la cotisation de l'année de chaque adhérent ; relancer n'émet que les cotisations manquantes."""
    from grappe.finance.fees import format_cents, to_cents
    from grappe.finance.services import generate_dues

    result = generate_dues(schedule=_schedule(year, association))
    out_console.print(
        f"{result.schedule} : {result.created} cotisation(s) émise(s) pour {format_cents(to_cents(result.total))}, "
        f"{result.already_due} adhérent(s) l'avaient déjà.",
        highlight=False,
    )
