"""Governance commands: ``grappe statutes import|export|show`` and ``grappe seats``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from grappe.cli import app, out_console, user_command

if TYPE_CHECKING:
    from grappe.governance.models import Statutes

statutes_app = typer.Typer(help="Statuts : importer, exporter, afficher une version.", no_args_is_help=True)
app.add_typer(statutes_app, name="statutes")


def _day(value: str | None) -> datetime.date:
    from grappe.errors import UserError
    from grappe.france.dates import check_date

    if not value:
        return datetime.date.today()
    checked = check_date(value)
    if not checked.ok or checked.value is None:
        raise UserError(f"Date invalide : « {value} ».", hint="Écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA.")
    return checked.value


def _version(association_name: str, on: str | None) -> Statutes:
    from grappe.governance import selectors
    from grappe.intake.selectors import association_by_name

    return selectors.statutes_in_force(association_by_name(association_name), _day(on))


@statutes_app.command("import")
@user_command
def import_(
    association: str = typer.Argument(..., help="Nom de l'association."),
    file: Path = typer.Argument(..., help="Statuts en YAML (UTF-8)."),
) -> None:
    """Enregistre une nouvelle version des statuts ; une erreur cite sa ligne et rien n'est enregistré."""
    from grappe.governance import services
    from grappe.intake.selectors import association_by_name

    text = file.read_text(encoding="utf-8")
    statutes = services.import_statutes(association=association_by_name(association), text=text)
    out_console.print(f"Enregistré : {statutes}.")


@statutes_app.command("export")
@user_command
def export(
    association: str = typer.Argument(..., help="Nom de l'association."),
    on: str | None = typer.Option(
        None, "--date", help="Les statuts en vigueur à cette date (défaut : aujourd'hui)."
    ),
) -> None:
    """Écrit en YAML la version en vigueur, relisible par « grappe statutes import »."""
    from grappe.governance import services

    typer.echo(services.export_statutes(_version(association, on)), nl=False)


@statutes_app.command("show")
@user_command
def show(
    association: str = typer.Argument(..., help="Nom de l'association."),
    on: str | None = typer.Option(
        None, "--date", help="Les statuts en vigueur à cette date (défaut : aujourd'hui)."
    ),
) -> None:
    """Affiche les règles de la version en vigueur, et celles qu'elle ne fixe pas."""
    from grappe.governance import selectors

    statutes = _version(association, on)
    out_console.print(f"[bold]{statutes}[/]")
    # One line per rule (not a table): long values stay whole on a narrow terminal and grep finds them.
    for path, label, value in selectors.summary(statutes):
        out_console.print(f"{label} : {value} [dim]({path})[/]", highlight=False, soft_wrap=True)


@app.command()
@user_command
def seats(
    association: str = typer.Argument(..., help="Nom de l'association."),
    on: str | None = typer.Option(
        None, "--date", help="Les statuts en vigueur à cette date (défaut : aujourd'hui)."
    ),
) -> None:
    """Répartit les sièges territoriaux selon les statuts, à partir des adhérents d'aujourd'hui."""
    from grappe.governance import apportionment
    from grappe.intake.selectors import association_by_name

    share = apportionment.current_share(association_by_name(association), _day(on))
    out_console.print(
        f"{share.seats} sièges, méthode des {share.method_label}, {share.minimum} au minimum ({share.statutes})"
    )
    table = Table("Territoire", "Adhérents", "Sièges", box=None, padding=(0, 2))
    for name, members in share.members.items():
        table.add_row(name, str(members), str(share.shares[name]))
    out_console.print(table)
