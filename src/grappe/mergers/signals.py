"""What the merger workflow tells the apps built on it, which it does not import (governance builds on mergers).

``replanned``: a merger planned between the same two networks, of the same kind, after a plan of theirs was
abandoned (a wrong date, a wrong export, planned again). Sent inside the new plan's transaction with
``abandoned`` (the latest such plan), ``merger`` (the new one) and ``user``; whatever a receiver keeps on the
abandoned plan that belongs to the merger itself, not to that plan (its legal procedure), follows the new one.
"""

from __future__ import annotations

from django.dispatch import Signal

replanned = Signal()
