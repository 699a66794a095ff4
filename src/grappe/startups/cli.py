"""``grappe startups …``: e-mail the reminders of application deadlines (acting as the system)."""

from __future__ import annotations

import datetime

import typer

from grappe.cli import app, out_console, user_command

startups_app = typer.Typer(help="Start-up : relances des dossiers de candidature.", no_args_is_help=True)
app.add_typer(startups_app, name="startups")


@startups_app.command("remind")
@user_command
def remind(
    today: str = typer.Option(
        "", "--date", help="Date du jour à retenir (AAAA-MM-JJ), aujourd'hui par défaut."
    ),
    days: int = typer.Option(14, "--days", help="Relancer les dossiers à rendre dans ce nombre de jours."),
) -> None:
    """Envoie au référent de chaque projet les échéances proches ou dépassées de ses dossiers ; à lancer chaque
    jour : une relance déjà envoyée ne l'est pas deux fois."""
    from grappe.errors import UserError
    from grappe.startups.services import StartupError, send_reminders

    try:
        day = datetime.date.fromisoformat(today) if today else None
    except ValueError as error:
        raise UserError(
            f"--date « {today} » n'est pas une date AAAA-MM-JJ.", hint="Exemple : --date 2026-04-01."
        ) from error
    try:
        result = send_reminders(today=day, days_before=days)
    except StartupError as error:  # the service's refusal (a negative number of days), named by its flag
        raise UserError(f"--days {error.message}", hint=error.hint) from error
    except OSError as error:  # SMTP server unreachable, refused, timed out (smtplib's errors are OSErrors)
        raise UserError(
            f"serveur d'e-mail injoignable ({error}) : les relances envoyées avant l'erreur sont enregistrées, "
            "les autres n'ont pas été envoyées.",
            hint="Vérifiez EMAIL_HOST et EMAIL_PORT, puis relancez la commande : rien n'est envoyé deux fois.",
        ) from error
    out_console.print(
        f"{len(result.sent)} relance(s) envoyée(s), {result.already_sent} déjà envoyée(s) auparavant.",
        highlight=False,
    )
    for application in result.without_recipient:
        out_console.print(
            f"Sans destinataire : « {application} » (le projet n'a pas de référent avec une adresse e-mail).",
            highlight=False,
        )
