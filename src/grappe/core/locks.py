"""Long writers of the registry take turns, on PostgreSQL as SQLite's single write lock makes them.

An import's write, a merger's apply and a merger's undo each change thousands of organisations in one
transaction, in their own order. On PostgreSQL two of them at once lock rows each needs from the other: the
server detects the deadlock and cancels one, minutes of work thrown away (seen in ``benchmarks/load/``'s
``busy``: a 100 000-row import cancelled by a merger's apply). So each takes the same transaction-level
advisory lock first and waits for the one before it to commit; the lock ends with the transaction, commit or
rollback, and is taken again at no cost inside one that holds it. SQLite needs nothing: its transactions
begin IMMEDIATE and queue for the one write lock already.

Long work runs in a process's main thread (``grappe`` commands, the task worker) and waits its turn as long
as it takes. A web request's thread waits ``GRAPPE_BUSY_TIMEOUT`` seconds at most, then gets the « base
occupée » page (``grappe.core.dberrors``: PostgreSQL's lock_not_available), as it would on SQLite.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import connection

# pg_advisory_xact_lock's key: any bigint that nothing else in the database uses; "grappe" in ASCII, then 1.
BULK_WRITE_KEY = 0x677261707065_0001


def take_bulk_write_turn() -> None:
    """Inside the caller's transaction: wait until no other long writer of the registry holds its turn."""
    if connection.vendor != "postgresql":
        return
    in_main_thread = threading.current_thread() is threading.main_thread()
    with connection.cursor() as cursor:
        if in_main_thread:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BULK_WRITE_KEY])
            return
        # lock_timeout only around the wait: the transaction's own row locks keep the session's setting. A wait
        # that times out aborts the transaction, which is then rolled back whole: nothing to restore.
        cursor.execute("SELECT current_setting('lock_timeout')")
        (session_setting,) = cursor.fetchone()
        wait = f"{round(settings.GRAPPE_BUSY_TIMEOUT * 1000)}ms"
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait])
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BULK_WRITE_KEY])
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [session_setting])
