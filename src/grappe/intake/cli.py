"""``grappe import``: validate an association's member export and import it into the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table as RichTable

from grappe.cli import app, fail, in_background, out_console, user_command

SHOWN_ISSUES = 20


@app.command(name="import")
@user_command
@in_background
def import_command(
    file: Path = typer.Argument(
        ..., help="Export des adhérents : CSV (tout encodage, tout séparateur), XLSX ou ODS."
    ),
    association: str = typer.Option(..., "--association", "-a", help="Association qui a fourni le fichier."),
    sheet: str | None = typer.Option(None, "--sheet", help="Feuille du classeur (par défaut la première)."),
    header_line: int | None = typer.Option(
        None, "--header-line", min=1, help="Numéro de la ligne d'en-tête, si la détection se trompe."
    ),
    mapping: str | None = typer.Option(
        None,
        "--mapping",
        help='Nom d\'une correspondance enregistrée, ou objet JSON « en-tête » → champ (ex. \'{"Nom": "name"}\').',
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Importer les lignes valides ; les lignes en erreur sont gardées comme rejetées.",
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Écrire le rapport complet des anomalies (CSV)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Valider seulement, sans rien écrire."),
    country: str = typer.Option(
        "FR",
        "--country",
        help="Pays des lignes sans colonne « Pays » (code ISO : FR, CH, BE, US… ou nom) ; "
        "leurs codes postaux et téléphones sont lus selon ce pays.",
    ),
    start_date: str | None = typer.Option(
        None,
        "--start-date",
        help="Sans colonne « Date d'adhésion » : date d'adhésion des nouveaux membres (AAAA-MM-JJ), "
        "ou « inconnue ».",
    ),
    status: str | None = typer.Option(
        None,
        "--status",
        help="Sans colonne « Statut » : statut des nouveaux adhérents (active, pending, lapsed ou unknown ; "
        "ou « à jour », « en attente »…).",
    ),
    membership_type: str | None = typer.Option(
        None,
        "--membership-type",
        help="Sans colonne « Type d'adhésion » : type des nouveaux adhérents (son nom, parmi ceux de "
        "l'association).",
    ),
) -> None:
    """Importe l'export des adhérents d'une association (tout ou rien).

    Un fichier sans colonne « Date d'adhésion », « Statut » ou « Type d'adhésion » (quand l'association a des
    types) demande la réponse par --start-date, --status ou --membership-type, comme la page du rapport : elle
    vaut pour les adhésions que l'import crée.

    Codes de sortie : 0 importé (ou validé sans erreur avec --dry-run), 1 validé avec --dry-run mais des
    lignes ont des erreurs, 2 refusé (fichier illisible, déjà importé, lignes en erreur, question sans
    réponse…) : rien n'a changé.
    """
    from grappe.intake.questions import missing_flags_message, open_questions, read_flags, unanswered
    from grappe.intake.reading import open_table
    from grappe.intake.report import ReportCollector, columns_of
    from grappe.intake.selectors import association_by_name, resolve_mapping
    from grappe.intake.services import ImportRefused, import_file, read_default_country

    target = association_by_name(association)
    default_country = read_default_country(country)
    if not file.is_file():
        fail(f"fichier introuvable : {file}.")
    # Opened once here to resolve the mapping on its headers; the service opens it again (cheap: no rows read).
    table = open_table(file, sheet=sheet, header_line=header_line)
    columns = resolve_mapping(headers=table.headers, association=target, spec=mapping)
    answers = read_flags(
        association=target, starts_on=start_date, status=status, membership_type=membership_type
    )
    missing = unanswered(open_questions(association=target, mapping=columns), answers)
    if missing and not dry_run:
        fail(f"{missing_flags_message(missing, target)} Rien n'a été écrit.")
    stream = report.open("w", encoding="utf-8", newline="") if report else None
    collector = ReportCollector(
        file_name=table.file_name, sheet=table.sheet, stream=stream, keep=SHOWN_ISSUES
    )
    field_columns = columns_of(table.headers, columns)
    try:
        with _progress_bar() as progress:
            result = import_file(
                path=file,
                association=target,
                mapping=columns,
                sheet=sheet,
                header_line=header_line,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                progress=progress,
                on_issue=collector,
                country=default_country,
                answers=answers,
            )
    except ImportRefused as refused:
        _finish_report(collector, stream, field_columns)
        _print_issues(collector, rows=refused.summary.rows, columns=field_columns)
        _report_written(report)
        fail(str(refused))
    except BaseException:
        if stream:
            stream.close()
        raise
    _finish_report(collector, stream, field_columns)
    _print_issues(collector, rows=result.summary.rows, columns=field_columns)
    _report_written(report)
    summary = result.summary
    if dry_run:
        out_console.print(
            f"Validation seule (--dry-run) : {summary.rows} lignes, {summary.valid_rows} valides, "
            f"{summary.invalid_rows} en erreur. Rien n'a été écrit."
        )
        if missing:
            out_console.print(f"Pour l'import : {missing_flags_message(missing, target)}", highlight=False)
        raise typer.Exit(1 if summary.has_errors else 0)
    out_console.print(
        f"[bold green]Import terminé[/] dans « {target} » : {result.imported_rows} lignes importées, "
        f"{result.rejected_rows} rejetées ; {result.organisations_created} organisations créées, "
        f"{result.rows_matched} lignes rattachées à une organisation existante (même SIREN), "
        f"{result.establishments_created} établissements, {result.memberships_created} adhésions, "
        f"{result.people_created} personnes.",
        highlight=False,
    )
    if result.rejected_lines:
        more = "…" if result.rejected_rows > len(result.rejected_lines) else ""
        lines = ", ".join(str(line) for line in result.rejected_lines)
        out_console.print(
            f"Lignes rejetées (conservées telles quelles, statut « rejetée ») : {lines}{more}",
            highlight=False,
        )


def _progress_bar() -> Any:
    """A rich progress bar driven by the service's ``progress(stage, done, total)`` callback."""

    class _Bar:
        def __enter__(self) -> _Bar:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=out_console,
                transient=True,
            )
            self.progress.__enter__()
            self.tasks: dict[str, Any] = {}
            return self

        def __exit__(self, *exc: object) -> None:
            self.progress.__exit__(*exc)

        def __call__(self, stage: str, done: int, total: int | None) -> None:
            if stage not in self.tasks:
                label = "Validation des lignes" if stage == "validation" else "Écriture dans le registre"
                self.tasks[stage] = self.progress.add_task(label, total=total)
            self.progress.update(self.tasks[stage], completed=done, total=total)

    return _Bar()


def _finish_report(collector: Any, stream: Any, columns: dict[str, str]) -> None:
    collector.write_counts(columns)
    if stream:
        stream.close()


def _print_issues(collector: Any, *, rows: int, columns: dict[str, str]) -> None:
    if not collector.total:
        out_console.print(f"{rows} lignes lues, aucune anomalie.")
        return
    _print_table(collector, rows=rows)
    for count in collector.counts(columns):
        out_console.print(f"• {count.message}", highlight=False)


def _print_table(collector: Any, *, rows: int) -> None:
    from grappe.intake.report import severity_label

    table = RichTable(title=f"Anomalies (les {len(collector.first)} premières sur {collector.total})")
    for header in ("Ligne", "Colonne", "Valeur", "Anomalie", "Gravité"):
        table.add_column(header, overflow="fold")
    for issue in collector.first:
        style = "red" if issue.is_error else "yellow" if issue.severity == "warning" else "cyan"
        table.add_row(
            str(issue.line),
            issue.column,
            issue.value[:40],
            issue.message,
            f"[{style}]{severity_label(issue.severity)}[/]",
        )
    out_console.print(table)
    errors, warnings = collector.by_severity.get("error", 0), collector.by_severity.get("warning", 0)
    notes = collector.by_severity.get("info", 0)
    by_column = ", ".join(f"{column} : {n}" for column, n in collector.by_column.most_common(8))
    out_console.print(
        f"{rows} lignes lues ; {errors} erreur(s), {warnings} avertissement(s), {notes} remarque(s)."
        + (f" Par colonne : {by_column}." if by_column else ""),
        highlight=False,
    )


def _report_written(report: Path | None) -> None:
    if report:
        out_console.print(f"Rapport complet des anomalies : {report}", highlight=False)
