"""What a check found wrong with a value, in a shape every caller can show or translate.

A ``check_*`` function never raises on bad input: it returns a :class:`Checked` carrying the normalised value
or a :class:`Problem`. The message is a French ``%``-format template wrapped in :func:`_` so that Django's
``makemessages`` extracts it, while this package stays free of Django; callers translate at display time by
passing ``gettext`` to :meth:`Problem.render`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Generic, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

# Distinct cells remembered per check: a member file repeats its postcodes and cities, legal forms, NAF codes,
# dates, fees and websites row after row; a few thousand outcomes cover them in a few MiB, whatever the file.
REMEMBERED_CELLS = 8192


def remembered(check: Callable[P, T]) -> Callable[P, T]:
    """Remember the latest outcomes of a pure ``check`` (its cells in, a frozen ``Checked`` out).

    Only for checks whose outcome depends on their arguments alone and is never changed by a caller: the
    outcome of a cell seen before is then the same object, given without reading the cell again.
    """
    return lru_cache(maxsize=REMEMBERED_CELLS)(check)  # type: ignore[return-value]


def _(message: str) -> str:
    """Mark ``message`` for extraction by ``makemessages``; translation happens later, in ``render``."""
    return message


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Problem:
    """A stable ``code`` for programs, a French ``message`` template and its ``params`` for people."""

    code: str
    message: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)  # a dict cannot be hashed

    def render(self, translate: Callable[[str], str] = _identity) -> str:
        """The message with its parameters filled in, after ``translate`` (e.g. Django's ``gettext``)."""
        template = translate(self.message)
        try:
            return template % dict(self.params)
        except (KeyError, ValueError, TypeError):
            # A broken translation must not hide the problem itself: fall back to the source template.
            return self.message % dict(self.params)

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True)
class Checked(Generic[T]):
    """The outcome of a check: ``value`` is normalised, or ``None`` when the cell is empty or refused.

    ``note`` is a remark on a value that was kept as written rather than normalised (a local phone number
    without its area code): nothing is refused, but the report says so.
    """

    value: T | None
    problem: Problem | None = None
    note: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def empty() -> Checked[T]:
    """An empty cell: nothing to store and nothing wrong."""
    return Checked(None)


def problem(code: str, message: str, **params: object) -> Problem:
    """A problem whose ``params`` are turned into text, so that it stays serialisable."""
    return Problem(code, message, {key: str(value) for key, value in params.items()})


def refused(code: str, message: str, **params: object) -> Checked[T]:
    """A refused value: no value, one problem."""
    return Checked(None, problem(code, message, **params))


def noted(kept: T, code: str, message: str, /, **params: object) -> Checked[T]:
    """A kept value with a remark for the report."""
    return Checked(kept, note=problem(code, message, **params))
