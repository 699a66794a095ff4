"""The ``grappe`` command.

Every command is a thin shell over the same service functions the web pages use. User errors are printed as
one paragraph and exit with status 2; nothing is changed. A database error says what happened
(``grappe.core.dberrors``); one worth retrying as it is (a lock held by another write, a lost connection) exits
with status 75 (EX_TEMPFAIL), so that a script can tell it apart.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

app = typer.Typer(
    name="grappe",
    help="Grappe : le registre et les fusions d'un réseau d'entreprises.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)
out_console = Console()

F = TypeVar("F", bound=Callable[..., Any])

EX_TEMPFAIL = 75  # sysexits.h: a temporary failure, the same command may succeed later


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as refusal:
        # A setting the environment got wrong (core/deployment.py names it and says what to write): the
        # operator needs that sentence, not the import chain that led to it.
        fail(str(refusal))


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]Erreur :[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def user_command(func: F) -> F:
    """Set Django up, then turn user errors into a one-paragraph message and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        setup_django()
        from django.core.exceptions import ValidationError
        from django.db import DatabaseError, InterfaceError

        from grappe.core import dberrors
        from grappe.errors import UserError

        try:
            return func(*args, **kwargs)
        except UserError as error:
            fail(str(error))
        except ValidationError as error:
            fail(" ".join(error.messages))
        except (DatabaseError, InterfaceError) as error:
            fail(dberrors.describe(error), code=EX_TEMPFAIL if dberrors.is_transient(error) else 2)
        except FileNotFoundError as error:
            fail(f"fichier introuvable : {error.filename}.")
        except KeyboardInterrupt:
            fail("interrompu ; rien n'a été modifié.", code=130)

    return wrapper  # type: ignore[return-value]


def in_background(func: F) -> F:
    """A command that runs long work (an import, a merger's plan, apply, undo or report): it yields the
    processor to the web workers before it starts (``grappe.jobs.priority``). Under ``user_command``, so that
    Django is set up and a wrong setting is one paragraph."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from grappe.jobs.priority import yield_to_requests

        yield_to_requests()
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@app.command()
@user_command
def migrate() -> None:
    """Crée ou met à jour la base de données."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    out_console.print("Base de données à jour.")


@app.command()
@user_command
def worker(
    batch: bool = typer.Option(False, "--batch", help="Exécuter les tâches prêtes, puis s'arrêter."),
    max_tasks: int | None = typer.Option(None, "--max-tasks", help="S'arrêter après ce nombre de tâches."),
    interval: float = typer.Option(1.0, help="Attente (secondes) entre deux regards sur une file vide."),
) -> None:
    """Exécute les traitements en arrière-plan (gros imports, plans de fusion, tâches planifiées) ; à lancer à
    côté du serveur web. SIGTERM ou Ctrl+C : la tâche en cours se termine, puis le processus s'arrête."""
    from grappe.jobs.worker import run_worker

    run_worker(batch=batch, max_tasks=max_tasks, interval=interval)


@app.command()
@user_command
def serve(
    host: str = typer.Option("127.0.0.1", help="Adresse d'écoute (0.0.0.0 dans un conteneur)."),
    port: int = typer.Option(8000, help="Port d'écoute.", min=1, max=65535),
    workers: int = typer.Option(2, help="Processus web (granian) ; environ un par cœur.", min=1),
    threads: int = typer.Option(
        4,
        help="Fils par processus : pendant qu'un fil attend la base, un autre répond.",
        min=1,
    ),
) -> None:
    """Serveur web de production (granian). Vérifie d'abord la configuration et refuse de démarrer sur une
    erreur (en production : clé secrète, DEBUG, comptes de démonstration), puis rassemble les fichiers statiques.
    Les autres options de granian passent par ses variables d'environnement GRANIAN_*."""
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from grappe.core.deployment import PRODUCTION

    try:
        call_command("check", deploy=settings.GRAPPE_ENV == PRODUCTION, fail_level="ERROR")
    except SystemCheckError as error:
        fail(f"le serveur ne démarre pas, la configuration est refusée.\n{error}")
    if settings.GRAPPE_ENV == PRODUCTION:
        # WhiteNoise serves the collected, compressed files; collecting again is quick and keeps them current.
        call_command("collectstatic", interactive=False, verbosity=0)
    # granian rather than gunicorn: its connections are handled by Rust threads outside the interpreter lock, so
    # the two cores go to Django; under 50 clients gunicorn's gthread workers left 15 % of them idle
    # (benchmarks/load/). A worker that dies is started again, as gunicorn's arbiter did.
    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port)]
    command += ["--workers", str(workers), "--blocking-threads", str(threads)]
    command += ["--respawn-failed-workers", "--access-log", "--no-ws", "grappe.wsgi:application"]
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _check_address_free(host, port, bind)
    out_console.print(f"Grappe sur http://{bind}/ (granian, {workers} processus × {threads} fils).")
    sys.stdout.flush()
    # exec, not a child: a process manager (systemd, compose) signals granian itself.
    os.execv(sys.executable, command)


def _check_address_free(host: str, port: int, bind: str) -> None:
    """granian answers a taken port or an unknown address with a backtrace: say it in one sentence first."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As granian binds: a port left in TIME_WAIT by the previous server is no obstacle.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            fail(
                f"impossible d'écouter sur {bind} : {error.strerror or error}. Un autre serveur utilise-t-il "
                "ce port ? --port en choisit un autre, --host une autre adresse."
            )


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
)
def manage(ctx: typer.Context) -> None:
    """Lance une commande d'administration Django (ex. : grappe manage createsuperuser)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["grappe manage", *ctx.args])


def _register_commands() -> None:
    # Each app contributes its commands; importing them here keeps `grappe --help` complete.
    from grappe import commands  # noqa: F401


def main() -> None:
    _register_commands()
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("Interrompu ; rien n'a été modifié.")
        sys.exit(130)


if __name__ == "__main__":
    main()
