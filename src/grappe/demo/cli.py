"""``grappe demo``: load the seeded story (and serve it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from grappe.cli import app, out_console, user_command

if TYPE_CHECKING:
    from grappe.demo.loader import DemoReport

WORKER_STOP_SECONDS = 30


@app.command()
@user_command
def demo(
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Démarrer le serveur web après le chargement."
    ),
    reset: bool = typer.Option(False, "--reset", help="Vider la base avant de recharger la démo."),
    seed: int = typer.Option(2016, help="Graine du générateur (mêmes données pour la même graine)."),
    auto_only: bool = typer.Option(
        False,
        "--auto-only",
        help="Ne pas jouer le relecteur : seuls les rapprochements sûrs sont fusionnés, les paires à vérifier "
        "restent séparées (mesure du rapprochement automatique seul).",
    ),
    worker: bool = typer.Option(
        True,
        "--worker/--no-worker",
        help="Démarrer aussi le processus des traitements en arrière-plan (grappe worker) avec le serveur.",
    ),
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
            report = load_story(
                directory=target,
                seed=seed,
                review=not auto_only,
                progress=lambda message: status.update(message),
            )
        out_console.print(f"Exports et vérité terrain écrits dans {report.directory}")
        for step in report.steps:
            out_console.print(
                f"{_mark(step.members == step.expected_members)} {step.label} : {step.association} compte "
                f"{step.members} adhérents (attendu {step.expected_members}) dans {len(step.departements)} "
                "départements"
            )
        _print_quality(report)
    out_console.print(
        f"\nConnexion : utilisateur [bold]{DIRECTOR_USERNAME}[/], mot de passe [bold]{DEMO_PASSWORD}[/] "
        f"(direction, tout le réseau) ; [bold]{TERRITORIAL_USERNAME}[/] / [bold]{DEMO_PASSWORD}[/] "
        "(permanent du bureau de Clermont-Ferrand, son territoire seulement)."
    )
    if serve:
        out_console.print(f"Grappe est servi sur http://{host}:{port}/ (Ctrl+C pour arrêter).")
        with _worker_beside(enabled=worker):
            call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)


@contextmanager
def _worker_beside(*, enabled: bool) -> Iterator[None]:
    """``grappe worker`` in a process of its own while the web server runs, stopped with it (SIGTERM lets its
    running task finish; it is killed if it does not stop within ``WORKER_STOP_SECONDS``)."""
    if not enabled:
        yield
        return
    process = subprocess.Popen([sys.executable, "-m", "grappe.cli", "worker"])
    out_console.print(f"Traitements en arrière-plan : grappe worker (processus {process.pid}).")
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


def _number(value: float) -> str:
    return f"{value:.3f}".replace(".", ",")


def _print_quality(report: DemoReport) -> None:
    """The rapprochement measured on the story's truth: pairs of exported rows, not pairs of organisations."""
    who = (
        "la démo a joué le relecteur sur chaque file de revue"
        if report.reviewed
        else "personne n'a relu : seules les paires sûres sont fusionnées (--auto-only)"
    )
    table = Table(
        title=f"Qualité du rapprochement sur la vérité terrain ({who})",
        caption="Mesuré sur les paires de lignes des exports, y compris celles que l'import a réunies par un "
        "même SIREN valide. Bande sûre : précision sur les paires de lignes qu'elle réunit seule, rappel sur "
        "celles que la fusion avait à réunir.",
    )
    for column in (
        "Fusion",
        "Bande sûre",
        "Précision",
        "Rappel",
        "File de revue",
        "Registre après",
        "Adhérents",
    ):
        table.add_column(column, justify="left" if column == "Fusion" else "right")
    for figures in report.mergers:
        registry = figures.registry
        table.add_row(
            f"n° {figures.merger_id} {figures.title}",
            f"{figures.sure_matches} sûre(s) + {figures.internal_duplicates} doublon(s) interne(s)",
            _share(figures.auto_right, figures.auto_joined),
            _share(figures.auto_right, figures.to_join),
            f"{figures.review_queue}" + (" décidée(s)" if report.reviewed else " laissée(s) à part"),
            f"P {_number(registry.precision)} R {_number(registry.recall)} F1 {_number(registry.f1)}",
            f"{_mark(figures.holds)} {figures.members} (attendu {figures.expected_members})",
        )
    out_console.print(table)
    final = report.registry
    out_console.print(
        f"Registre final : {final.true_positive_pairs} paires de lignes d'une même entreprise réunies sur "
        f"{final.true_pairs}, {final.predicted_pairs - final.true_positive_pairs} réunies à tort ; "
        f"F1 {_number(final.f1)}."
    )


def _share(hits: int, total: int) -> str:
    """A share with its counts; a dash when there was nothing to count (no pair joined, none to join)."""
    return f"{_number(hits / total)} ({hits}/{total})" if total else "–"
