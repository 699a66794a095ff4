"""``grappe merge …``: plan, review (decisions as CSV), apply, report and undo a merger from the command line.

The command line acts as the system (``user=None``); the audit log records it as « ligne de commande ».
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from grappe.cli import app, in_background, out_console, user_command

merge_app = typer.Typer(
    help="Fusions : planifier, réviser, appliquer, rapporter, annuler.", no_args_is_help=True
)
decisions_app = typer.Typer(help="Décisions de revue en CSV.", no_args_is_help=True)
merge_app.add_typer(decisions_app, name="decisions")
app.add_typer(merge_app, name="merge")


def _date(value: str | None) -> datetime.date | None:
    from grappe.errors import UserError
    from grappe.france.dates import check_date

    if not value:
        return None
    checked = check_date(value)
    if not checked.ok or checked.value is None:
        raise UserError(f"Date invalide : « {value} ».", hint="Écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA.")
    return checked.value


def _merger(merger_id: int) -> Any:
    from grappe.errors import NotFound
    from grappe.mergers.models import Merger

    merger = Merger.objects.select_related("absorbing", "absorbed").filter(pk=merger_id).first()
    if merger is None:
        raise NotFound(f"Fusion n° {merger_id} introuvable.", hint="La liste : grappe merge list.")
    return merger


@merge_app.command("plan")
@user_command
@in_background
def plan(
    file: Path | None = typer.Argument(
        None, help="Export de l'association absorbée (importé s'il ne l'est pas)."
    ),
    absorbed: str = typer.Option(..., "--absorbed", help="Nom de l'association absorbée."),
    into: str = typer.Option(..., "--into", help="Nom de l'association absorbante."),
    effective: str | None = typer.Option(None, "--effective", help="Date d'effet (AAAA-MM-JJ)."),
    kind: str = typer.Option("absorption", "--kind", help="absorption | fusion"),
    resulting_name: str = typer.Option("", "--name", help="Fusion : nom de la nouvelle association."),
    keep_brand: bool = typer.Option(False, "--keep-brand", help="Garder le nom de l'absorbée comme marque."),
    sheet: str | None = typer.Option(None, "--sheet", help="Feuille du classeur."),
    country: str = typer.Option(
        "FR",
        "--country",
        help="Pays des lignes de l'export sans colonne « Pays » (code ISO : FR, CH, BE, US… ou nom).",
    ),
) -> None:
    """Planifie une fusion : rapprochement des adhérents, paires à vérifier, registre avant/après."""
    from grappe.intake.selectors import association_by_name
    from grappe.intake.services import read_default_country
    from grappe.mergers.labels import stage_label
    from grappe.mergers.services import plan_merger

    default_country = read_default_country(country)
    with _progress() as (progress, task):

        def report(stage: str, done: int, total: int | None) -> None:
            progress.update(task, description=stage_label(stage), completed=done, total=total)

        merger = plan_merger(
            absorbing=association_by_name(into),
            absorbed=association_by_name(absorbed),
            effective_on=_date(effective) or datetime.date.today(),
            kind=kind,
            resulting_name=resulting_name,
            keep_name_as_brand=keep_brand,
            path=file,
            sheet=sheet,
            progress=report,
            country=default_country,
        )
    _print_summary(merger)


def _progress() -> Any:
    from contextlib import contextmanager

    @contextmanager
    def managed() -> Any:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=out_console,
            transient=True,
        ) as progress:
            yield progress, progress.add_task("Préparation", total=None)

    return managed()


def _print_summary(merger: Any) -> None:
    from grappe.intake.report import source_file_counts
    from grappe.mergers.labels import count_labels
    from grappe.mergers.services import plan_counts

    summary = merger.summary
    counts = plan_counts(merger)
    out_console.print(f"[bold]Fusion n° {merger.pk}[/] : {merger} — {merger.get_status_display()}")
    table = Table("Plan", "Nombre", box=None, padding=(0, 2))
    for key, label in count_labels(merger.kind).items():
        table.add_row(str(label), str(counts.get(key, 0)))
    out_console.print(table)
    for count in source_file_counts(merger.source_file):
        out_console.print(f"Export de l'absorbée — {count.message}", highlight=False)
    before, after = summary.get("before", {}), summary.get("after", {})
    if after:
        out_console.print(
            "Adhérents avant : "
            + ", ".join(f"{name} {counts['members']}" for name, counts in before.items())
            + f" ; après (estimation) : {after['members']}"
        )
        for key, title in (("by_departement", "Département"), ("by_territory", "Territoire")):
            table = Table(title, "Avant", "Après", box=None, padding=(0, 2))
            keys = sorted({*after.get(key, {}), *(k for c in before.values() for k in c.get(key, {}))})
            for item in keys:
                total = sum(c.get(key, {}).get(item, 0) for c in before.values())
                table.add_row(item, str(total), str(after[key].get(item, 0)))
            out_console.print(table)
    out_console.print(
        f"Suite : grappe merge decisions export {merger.pk} decisions.csv — puis grappe merge apply {merger.pk}"
    )


@merge_app.command("list")
@user_command
def list_mergers() -> None:
    """Liste les fusions."""
    from grappe.mergers.models import Merger

    table = Table("N°", "Fusion", "Type", "Statut", "Date d'effet", box=None, padding=(0, 2))
    for merger in Merger.objects.select_related("absorbing", "absorbed").order_by("pk"):
        table.add_row(
            str(merger.pk),
            str(merger),
            merger.kind,
            merger.get_status_display(),
            f"{merger.effective_on:%d/%m/%Y}",
        )
    out_console.print(table)


@merge_app.command("show")
@user_command
def show(merger_id: int = typer.Argument(..., help="Numéro de la fusion.")) -> None:
    """Montre le plan d'une fusion et l'état de sa revue."""
    from grappe.mergers.labels import linkage_model_lines
    from grappe.mergers.services import undecided_pairs

    merger = _merger(merger_id)
    _print_summary(merger)
    for line in linkage_model_lines(merger.summary or {}):
        out_console.print(line)
    out_console.print(f"Paires à vérifier sans décision : {undecided_pairs(merger).count()}")
    if merger.outcome:
        out_console.print(
            f"Appliquée : {merger.outcome['members_after']} adhérents dans {merger.outcome['resulting_association']}."
        )


@merge_app.command("recompute")
@user_command
@in_background
def recompute(merger_id: int = typer.Argument(..., help="Numéro de la fusion.")) -> None:
    """Recalcule le plan : le modèle apprend des décisions déjà prises, qui restent acquises."""
    from grappe.mergers.labels import linkage_model_lines
    from grappe.mergers.services import replan_merger, undecided_pairs

    merger = replan_merger(merger=_merger(merger_id), user=None)
    _print_summary(merger)
    for line in linkage_model_lines(merger.summary or {}):
        out_console.print(line)
    out_console.print(f"Paires à vérifier sans décision : {undecided_pairs(merger).count()}")


@merge_app.command("accept-above")
@user_command
def accept_above(
    merger_id: int = typer.Argument(...),
    threshold: float = typer.Option(..., "--threshold", help="Probabilité minimale (ex. 0.9)."),
) -> None:
    """Accepte toutes les paires à vérifier au-dessus d'un seuil."""
    from grappe.mergers.services import accept_above as accept

    count = accept(merger=_merger(merger_id), threshold=threshold, user=None)
    out_console.print(f"{count} paire(s) acceptée(s).")


@merge_app.command("mapping")
@user_command
def mapping(
    merger_id: int = typer.Argument(...),
    pairs: list[str] = typer.Argument(None, help="« Type de l'absorbée=Type de l'absorbante » …"),
    confirm: bool = typer.Option(
        False,
        "--confirm",
        help="Confirme la correspondance affichée telle quelle (des paires la confirment aussi).",
    ),
) -> None:
    """Montre, change (paires) ou confirme (--confirm) la correspondance des types d'adhésion ; l'application
    est refusée tant qu'elle n'est pas confirmée."""
    from grappe.errors import UserError
    from grappe.mergers.services import set_membership_type_mapping

    merger = _merger(merger_id)
    wanted = {}
    for item in pairs or []:
        if "=" not in item:
            raise UserError(f"« {item} » : écrivez « ancien type=nouveau type ».")
        old, new = item.split("=", 1)
        wanted[old.strip()] = new.strip()
    if wanted or confirm:
        merger = set_membership_type_mapping(merger=merger, mapping=wanted, user=None)
    for old, new in merger.membership_type_mapping.items():
        out_console.print(f"{old} → {new}")
    if merger.mapping_confirmed:
        out_console.print("Confirmée.")
    else:
        out_console.print(
            f"Proposée, non confirmée : grappe merge mapping {merger.pk} --confirm pour la garder."
        )


@merge_app.command("apply")
@user_command
@in_background
def apply(
    merger_id: int = typer.Argument(...),
    accept_auto_only: bool = typer.Option(
        False, "--accept-auto-only", help="Les paires sans décision deviennent de nouveaux adhérents."
    ),
) -> None:
    """Applique une fusion planifiée, en une transaction."""
    from grappe.mergers.services import apply_merger

    merger = apply_merger(merger=_merger(merger_id), user=None, accept_auto_only=accept_auto_only)
    outcome = merger.outcome
    out_console.print(
        f"Fusion n° {merger.pk} appliquée : {outcome['merged']} fusionnés, {outcome['internal_merged']} doublons "
        f"internes, {outcome['created']} nouveaux adhérents, {outcome['people_merged']} contacts dédoublonnés ; "
        f"{outcome['resulting_association']} compte {outcome['members_after']} adhérents. "
        f"Annulation possible : grappe merge undo {merger.pk}"
    )


@merge_app.command("undo")
@user_command
@in_background
def undo(merger_id: int = typer.Argument(...)) -> None:
    """Annule une fusion appliquée : le registre revient exactement à son état d'avant."""
    from grappe.mergers.services import undo_merger

    merger = undo_merger(merger=_merger(merger_id), user=None)
    out_console.print(f"Fusion n° {merger.pk} annulée : le registre est revenu à son état d'avant.")


@merge_app.command("abandon")
@user_command
def abandon(merger_id: int = typer.Argument(..., help="Numéro de la fusion.")) -> None:
    """Abandonne le plan d'une fusion non appliquée : le registre n'a pas changé, les décisions restent mémorisées."""
    from grappe.mergers.services import abandon_plan

    merger = abandon_plan(merger=_merger(merger_id), user=None)
    out_console.print(
        f"Plan de la fusion n° {merger.pk} ({merger}) abandonné : le registre n'a pas changé ; les décisions "
        "prises dans sa revue restent mémorisées pour le prochain plan."
    )


@merge_app.command("dedup")
@user_command
@in_background
def dedup(association: str = typer.Argument(..., help="Nom de l'association.")) -> None:
    """Planifie le dédoublonnage du registre d'une association (une fusion avec elle-même)."""
    from grappe.intake.selectors import association_by_name
    from grappe.mergers.services import plan_deduplication

    _print_summary(plan_deduplication(association=association_by_name(association), user=None))


@merge_app.command("report")
@user_command
@in_background
def report(
    merger_id: int = typer.Argument(...),
    csv_path: Path | None = typer.Option(None, "--csv", help="Écrit le rapport en CSV."),
    pdf_path: Path | None = typer.Option(None, "--pdf", help="Écrit le rapport en PDF."),
) -> None:
    """Rapport d'une fusion : avant/après, recoupements, nouveaux, conflits, décisions."""
    from grappe.mergers.report import merger_report, render_report_pdf, write_report_csv
    from grappe.mergers.services import audit

    merger = _merger(merger_id)
    data = merger_report(merger)
    if csv_path:
        with csv_path.open("w", encoding="utf-8", newline="") as handle:
            write_report_csv(data, handle)
        out_console.print(f"CSV écrit : {csv_path}")
    if pdf_path:
        pdf_path.write_bytes(render_report_pdf(data))
        out_console.print(f"PDF écrit : {pdf_path}")
    audit(merger, None, "report", csv=str(csv_path or ""), pdf=str(pdf_path or ""))
    after = data.after
    out_console.print(
        f"Fusion n° {merger.pk} ({merger.get_status_display()}) : "
        + ", ".join(f"{name} {counts['members']}" for name, counts in data.before.items())
        + f" → {after['members']} adhérents ; {len(data.overlaps)} recoupements, {len(data.new_members)} nouveaux, "
        f"{len(data.conflicts)} conflits, {len(data.decisions)} décisions."
    )


@decisions_app.command("export")
@user_command
def export_decisions(merger_id: int = typer.Argument(...), path: Path = typer.Argument(...)) -> None:
    """Écrit les paires et leurs décisions en CSV (à compléter puis réimporter)."""
    from grappe.mergers.services import export_decisions as export

    with path.open("w", encoding="utf-8", newline="") as handle:
        count = export(merger=_merger(merger_id), stream=handle)
    out_console.print(f"{count} paire(s) écrite(s) dans {path}.")


@decisions_app.command("import")
@user_command
def import_decisions(merger_id: int = typer.Argument(...), path: Path = typer.Argument(...)) -> None:
    """Lit des décisions en CSV (tout ou rien)."""
    from grappe.mergers.services import import_decisions as load

    count = load(merger=_merger(merger_id), path=path, user=None)
    out_console.print(f"{count} décision(s) enregistrée(s).")
