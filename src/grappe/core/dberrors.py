"""What a database error means for the person who met it, in one place for the CLI, the web and the task queue.

Every ``OperationalError`` is not "the database is not ready" (PITFALLS.md): a write lock held by an import
asks to retry in a moment, a missing table asks to run ``grappe migrate``, "too many SQL variables" is a bug of
Grappe to report, an unreachable server asks to check ``DATABASE_URL``. SQLite says which by its message only;
PostgreSQL also gives a SQLSTATE code (psycopg's ``sqlstate``), read first.
"""

from __future__ import annotations

import enum
from typing import Any

from django.db import DatabaseError, InterfaceError
from django.utils.translation import gettext_lazy


class Kind(enum.Enum):
    BUSY = "busy"  # another transaction holds the lock: the same work succeeds a moment later
    UNREACHABLE = "unreachable"  # no connection to the server or the file
    SCHEMA = "schema"  # a table or column missing: migrations not applied
    TOO_MANY_VARIABLES = "too_many_variables"  # an unchunked ``__in``: a bug
    FULL = "full"
    READ_ONLY = "read_only"
    CORRUPT = "corrupt"
    OTHER = "other"


# SQLSTATE classes and codes (PostgreSQL appendix A).
_STATES = {
    "40001": Kind.BUSY,  # serialization_failure
    "40P01": Kind.BUSY,  # deadlock_detected
    "55P03": Kind.BUSY,  # lock_not_available (lock_timeout)
    "57014": Kind.BUSY,  # query_canceled (statement_timeout while waiting)
    "42P01": Kind.SCHEMA,  # undefined_table
    "42703": Kind.SCHEMA,  # undefined_column
    "53100": Kind.FULL,  # disk_full
    "25006": Kind.READ_ONLY,  # read_only_sql_transaction (a standby)
    "54000": Kind.TOO_MANY_VARIABLES,  # program_limit_exceeded
}
_STATE_CLASSES = {"08": Kind.UNREACHABLE, "57P": Kind.UNREACHABLE}

# Lower-cased fragments of the messages, SQLite's first (it has no codes that reach Python 3.11's errors).
_MESSAGES = (
    ("database is locked", Kind.BUSY),
    ("database table is locked", Kind.BUSY),
    ("deadlock detected", Kind.BUSY),
    ("could not serialize access", Kind.BUSY),
    ("too many sql variables", Kind.TOO_MANY_VARIABLES),
    ("too many terms in compound select", Kind.TOO_MANY_VARIABLES),
    ("no such table", Kind.SCHEMA),
    ("no such column", Kind.SCHEMA),
    ("has no column named", Kind.SCHEMA),
    ("database or disk is full", Kind.FULL),
    ("no space left on device", Kind.FULL),
    ("attempt to write a readonly database", Kind.READ_ONLY),
    ("database disk image is malformed", Kind.CORRUPT),
    ("file is not a database", Kind.CORRUPT),
    ("unable to open database file", Kind.UNREACHABLE),
    ("server closed the connection", Kind.UNREACHABLE),
    ("terminating connection", Kind.UNREACHABLE),
    ("connection is closed", Kind.UNREACHABLE),
    ("connection already closed", Kind.UNREACHABLE),
    ("could not connect", Kind.UNREACHABLE),
    ("connection refused", Kind.UNREACHABLE),
    ("connection failed", Kind.UNREACHABLE),
)


def classify(error: BaseException) -> Kind | None:
    """The kind of database failure ``error`` is (or was caused by), None when it is no database error."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, InterfaceError):
            return Kind.UNREACHABLE
        if isinstance(current, DatabaseError):
            return _kind_of(current)
        current = current.__cause__
    return None


def _kind_of(error: DatabaseError) -> Kind:
    state = getattr(error.__cause__, "sqlstate", None) or ""
    if state in _STATES:
        return _STATES[state]
    for prefix, kind in _STATE_CLASSES.items():
        if state.startswith(prefix):
            return kind
    message = str(error).lower()
    for fragment, kind in _MESSAGES:
        if fragment in message:
            return kind
    return Kind.OTHER


def is_transient(error: BaseException) -> bool:
    """A database failure that the same work, run again a little later, can get past."""
    return classify(error) in {Kind.BUSY, Kind.UNREACHABLE}


# What each kind of error means for whoever met it, and what to do; {detail} is the database's own words.
_WHAT_TO_DO: dict[Kind, Any] = {
    Kind.BUSY: gettext_lazy(
        "la base de données est occupée par une autre écriture (un import ou une fusion en cours) et "
        "l'attente a expiré ({detail}). Rien n'a été modifié : réessayez dans un instant."
    ),
    Kind.SCHEMA: gettext_lazy(
        "la base de données n'est pas à jour : une table ou une colonne manque ({detail}). Lancez "
        "« grappe migrate », ou vérifiez que DATABASE_URL désigne la bonne base."
    ),
    Kind.TOO_MANY_VARIABLES: gettext_lazy(
        "une requête a dépassé la limite de variables de la base de données ({detail}). C'est un défaut "
        "de Grappe, pas de vos données : l'opération a été interrompue. Signalez-le avec ce message et la "
        "commande ou la page en cause."
    ),
    Kind.UNREACHABLE: gettext_lazy(
        "la base de données est injoignable ({detail}). Vérifiez qu'elle est démarrée et que DATABASE_URL "
        "(ou GRAPPE_DATA_DIR) est juste."
    ),
    Kind.FULL: gettext_lazy(
        "le disque de la base de données est plein ({detail}) : libérez de la place, puis recommencez."
    ),
    Kind.READ_ONLY: gettext_lazy(
        "la base de données est en lecture seule ({detail}) : vérifiez les droits sur son fichier et son "
        "dossier, ou que le serveur n'est pas un réplica."
    ),
    Kind.CORRUPT: gettext_lazy(
        "le fichier de la base de données est endommagé ou n'en est pas un ({detail}) : restaurez la "
        "dernière sauvegarde."
    ),
    Kind.OTHER: gettext_lazy(
        "la base de données a refusé l'opération ({detail}) : elle a été interrompue. Signalez-le si cela se "
        "reproduit."
    ),
}


def describe(error: BaseException) -> str:
    """One French paragraph: what happened, and what to do about it."""
    detail = str(error).strip() or type(error).__name__
    kind = classify(error) or Kind.OTHER
    return str(_WHAT_TO_DO.get(kind, _WHAT_TO_DO[Kind.OTHER])).format(detail=detail)
