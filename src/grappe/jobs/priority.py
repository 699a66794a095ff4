"""Long work yields the processor to the people using the site.

An import of 100,000 rows or a merger of 10,000 members keeps a core busy for minutes. On the small servers a
network runs (two cores, the database beside the web server), at the same priority it took half the machine
from the web workers: pages of the registry waited seconds while it ran (``benchmarks/load/``, scenario
``busy``). The worker and the commands that run such work therefore lower their own priority to
``GRAPPE_BACKGROUND_NICE`` (10 by default, as ``nice`` would): the kernel then gives the web workers most of
the processor while they have requests, and the long work all of what they leave. Nothing is slower on an
idle machine. Only the process doing the work is lowered, never a web worker (a small import the page runs
itself stays at the site's priority), and a priority is only ever lowered: an unprivileged process cannot
raise it again, and a process started lower (``nice -n 15 grappe import …``) keeps its own.
"""

from __future__ import annotations

import os

from django.conf import settings

from grappe.errors import UserError

# nice(1): 0 is the default priority, 19 the lowest.
LOWEST = 19


def background_niceness() -> int:
    """The niceness long work runs at (``GRAPPE_BACKGROUND_NICE``); 0 leaves it at the site's priority."""
    value = settings.GRAPPE_BACKGROUND_NICE
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LOWEST:
        # A user error, not a crash: the worker and the commands print it as one paragraph and change nothing.
        raise UserError(
            f"GRAPPE_BACKGROUND_NICE doit être un entier de 0 à {LOWEST} (reçu : « {value} ») ; "
            "corrigez la variable d'environnement."
        )
    return value


def yield_to_requests() -> int:
    """Lower this process's priority to the background niceness, if it is not already that low; the
    niceness it runs at afterwards."""
    target = background_niceness()
    if not hasattr(os, "nice"):  # not a POSIX system: priorities are the service manager's business there
        return 0
    current = os.nice(0)
    if current < target:
        current = os.nice(target - current)
    return current
