"""``grappe demo``: load the seeded story (and serve it)."""

from __future__ import annotations

from pathlib import Path

import typer

from grappe.cli import app, out_console, user_command


@app.command()
@user_command
def demo(
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Démarrer le serveur web après le chargement."
    ),
    reset: bool = typer.Option(False, "--reset", help="Vider la base avant de recharger la démo."),
    seed: int = typer.Option(2016, help="Graine du générateur (mêmes données pour la même graine)."),
    host: str = typer.Option("127.0.0.1", help="Adresse d'écoute du serveur."),
    port: int = typer.Option(8000, help="Port du serveur."),
    directory: Path | None = typer.Option(
        None, help="Où écrire les exports de la démo (défaut : GRAPPE_DATA_DIR/demo)."
    ),
) -> None:
    """Charge l'histoire de démonstration (Numélink, RhoneAlley, Auvergne TIC, Clust'R Numérique)."""
    from django.conf import settings
    from django.core.management import call_command

    from grappe.demo.loader import (
        DEMO_PASSWORD,
        DIRECTOR_USERNAME,
        TERRITORIAL_USERNAME,
        demo_is_loaded,
        load_story,
    )

    call_command("migrate", interactive=False, verbosity=0)
    if reset:
        call_command("flush", interactive=False, verbosity=0)
    target = directory or Path(settings.DATA_DIR) / "demo"
    if demo_is_loaded():
        out_console.print("La démo est déjà chargée (grappe demo --reset pour la recharger).")
    else:
        with out_console.status("Chargement de la démo…") as status:
            report = load_story(directory=target, seed=seed, progress=lambda message: status.update(message))
        out_console.print(f"Exports et vérité terrain écrits dans {report.directory}")
        for step in report.steps:
            mark = "[green]✓[/]" if step.members == step.expected_members else "[red]✗[/]"
            out_console.print(
                f"{mark} {step.label} : {step.association} compte {step.members} adhérents "
                f"(attendu {step.expected_members}) dans {len(step.departements)} départements"
            )
        out_console.print("Rapprochement (mesuré sur la vérité terrain ; la démo joue le relecteur) :")
        for figures in report.linkage:
            out_console.print(
                f"  fusion n° {figures.merger_id} {figures.label} : bande sûre {figures.auto_pairs} paires, "
                f"précision {figures.auto_precision:.2f}, rappel {figures.auto_recall:.2f} ; "
                f"file de revue {figures.review_queue} ; F1 après revue {figures.f1:.2f}"
            )
    out_console.print(
        f"\nConnexion : utilisateur [bold]{DIRECTOR_USERNAME}[/], mot de passe [bold]{DEMO_PASSWORD}[/] "
        f"(direction, tout le réseau) ; [bold]{TERRITORIAL_USERNAME}[/] / [bold]{DEMO_PASSWORD}[/] "
        "(permanent du bureau de Clermont-Ferrand, son territoire seulement)."
    )
    if serve:
        out_console.print(f"Grappe est servi sur http://{host}:{port}/ (Ctrl+C pour arrêter).")
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
