"""``grappe dues …``: generate a year's dues from the command line (acting as the system, ``user=None``)."""

from __future__ import annotations

from typing import Any

import typer

from grappe.cli import app, out_console, user_command

dues_app = typer.Typer(
    help="Cotisations : générer les cotisations d'une année, envoyer les relances.", no_args_is_help=True
)
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


@dues_app.command("remind")
@user_command
def remind(
    association: str | None = typer.Option(None, "--association", help="Nom ou sigle de l'association."),
    on: str | None = typer.Option(
        None, "--on", help="Date du jour de la relance (AAAA-MM-JJ ; défaut : aujourd'hui)."
    ),
) -> None:
    """Envoie par e-mail les relances des cotisations en retard ; une seule par cotisation et par niveau."""
    import datetime

    from django.db.models import Q
    from django.utils import timezone

    from grappe.errors import UserError
    from grappe.finance.models import Due
    from grappe.finance.reminders import send_reminders

    try:
        day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    except ValueError:
        raise UserError(
            f"Date « {on} » illisible.", hint="Écrivez-la AAAA-MM-JJ, par ex. --on 2026-05-15."
        ) from None
    dues = Due.objects.all()
    if association:
        dues = dues.filter(
            Q(membership__association__name__iexact=association)
            | Q(membership__association__short_name__iexact=association)
        )
    run = send_reminders(dues=dues, on=day)
    out_console.print(
        f"{run.sent} relance(s) envoyée(s), {run.already_sent} déjà envoyée(s) à ce niveau.", highlight=False
    )
    if run.without_address:
        names = ", ".join(sorted(set(run.without_address)))
        out_console.print(f"Sans adresse e-mail : {names}.", highlight=False)
    if run.failed:
        raise UserError(
            "Envoi impossible pour : " + " ; ".join(run.failed),
            hint="Vérifiez le serveur d'envoi (GRAPPE_EMAIL_HOST), puis relancez : rien ne sera envoyé deux fois.",
        )
