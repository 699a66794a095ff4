"""Registry commands: ``grappe stats``."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from grappe.cli import app, out_console, user_command


@app.command()
@user_command
def stats(
    as_json: bool = typer.Option(False, "--json", help="Sortie JSON pour les scripts."),
) -> None:
    """Affiche le nombre d'adhérents par association, territoire et département, et hors de France par pays."""
    from grappe.registry.models import Association
    from grappe.registry.stats import counts_as_json, network_member_count, registry_counts

    counts = registry_counts()
    if as_json:
        typer.echo(json.dumps(counts_as_json(counts), ensure_ascii=False, indent=2))
        return
    if not counts:
        out_console.print(
            "Le registre est vide : importez un fichier (grappe import) ou chargez la démo (grappe demo)."
        )
        return
    out_console.print(f"[bold]Réseau : {network_member_count()} adhérents[/]\n")
    shown_negotiation = False
    for item in counts:
        if item.in_negotiation and not shown_negotiation:
            # A what-if: these members join the network's figures only when the merger is applied.
            out_console.print("[bold]En négociation (simulation, hors des chiffres du réseau)[/]\n")
            shown_negotiation = True
        status = ""
        if item.status != Association.Status.ACTIVE:
            label = str(Association.Status(item.status).label)
            if item.absorbed_on and item.absorbed_into:
                label += f" le {item.absorbed_on:%d/%m/%Y} par {item.absorbed_into}"
            status = f" [dim]({label})[/]"
        out_console.print(f"[bold]{item.association}[/]{status} : {item.members} adhérents")
        if item.by_territory:
            table = Table("Territoire", "Adhérents", box=None, padding=(0, 2))
            for name, n in item.by_territory.items():
                table.add_row(name, str(n))
            out_console.print(table)
        if item.by_departement:
            table = Table("Département", "Adhérents", box=None, padding=(0, 2))
            for entry in counts_as_json([item])[0]["by_departement"]:
                table.add_row(f"{entry['code']} {entry['name']}", str(entry["members"]))
            out_console.print(table)
        if item.abroad:
            table = Table("Hors de France", "Adhérents", box=None, padding=(0, 2))
            for entry in counts_as_json([item])[0]["abroad"]:
                table.add_row(f"{entry['country'] or '?'} {entry['name']}", str(entry["members"]))
            out_console.print(table)
        out_console.print()
