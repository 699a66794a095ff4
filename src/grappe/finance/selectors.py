"""Reads for the finance pages: dues with what they have been paid, within what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from grappe.errors import NotFound
from grappe.finance.models import Allocation, Document, Due
from grappe.registry import selectors, sorting


@dataclass(frozen=True)
class DueFilters:
    year: int | None = None
    association_id: int | None = None
    state: str = ""
    q: str = ""
    sort: str = ""  # ``?tri=``: a column of DUE_COLUMNS, « - » first for descending


def _with_paid(dues: QuerySet[Due]) -> QuerySet[Due]:
    paid = (
        Allocation.objects.counted()
        .filter(due_id=OuterRef("pk"))
        .values("due_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=10, decimal_places=2)
    return dues.annotate(
        paid=Coalesce(Subquery(paid, output_field=money), Value(Decimal(0)), output_field=money)
    )


def with_paid(dues: QuerySet[Due]) -> QuerySet[Due]:
    """``dues`` annotated with ``paid``, what has been allocated to each."""
    return _with_paid(dues)


def search_dues(user: Any, filters: DueFilters, *, today: datetime.date | None = None) -> QuerySet[Due]:
    """The dues ``user`` may see (their territory's members only), with ``paid``, filtered."""
    dues = _with_paid(selectors.restrict(user, Due.objects.all())).select_related(
        "membership__organisation", "membership__association"
    )
    if filters.year:
        dues = dues.filter(year=filters.year)
    if filters.association_id:
        dues = dues.filter(membership__association_id=filters.association_id)
    if filters.q:
        dues = dues.filter(
            Q(membership__organisation__name__icontains=filters.q)
            | Q(membership__organisation__siren=filters.q)
        )
    # The page shows each due's state from its rank: the rule is written once, here.
    dues = dues.annotate(state_rank=STATE_RANK)
    if filters.state in STATE_RANKS:
        dues = dues.filter(state_rank__in=STATE_RANKS[filters.state])
    if filters.state == "overdue":
        dues = dues.filter(due_on__lt=today or timezone.localdate())
    chosen = sorting.read_sort(filters.sort, DUE_COLUMNS, DUE_DEFAULT_SORT)
    return sorting.order(dues, chosen, DUE_COLUMNS)


# A due's state, as the page shows it, ranked in the order a treasurer works through them: still to be paid (0),
# partly paid (1), paid (2), cancelled (3). The state filter, the « État » column's sort and its badges read it.
STATE_RANK = Case(
    When(cancelled_at__isnull=False, then=Value(3)),
    When(paid__gte=F("amount"), then=Value(2)),
    When(paid__gt=0, then=Value(1)),
    default=Value(0),
)
# The ranks each state filter keeps; « overdue » is « open » past its due date.
STATE_RANKS = {"paid": (2,), "partial": (1,), "open": (0, 1), "overdue": (0, 1), "cancelled": (3,)}
_ORGANISATION = sorting.Text("membership__organisation__search_name")
_ASSOCIATION = sorting.Text("membership__association__name")
# Sortable columns (``?tri=``, ``grappe.registry.sorting``), the page's own order first; ties by organisation.
DUE_COLUMNS = (
    sorting.Column("organisation", (_ORGANISATION, _ASSOCIATION, "year")),
    sorting.Column("association", (_ASSOCIATION, _ORGANISATION, "year")),
    sorting.Column("annee", ("year", _ORGANISATION)),
    sorting.Column("montant", ("amount", _ORGANISATION)),
    sorting.Column("regle", ("paid", _ORGANISATION)),
    sorting.Column("etat", (STATE_RANK, _ORGANISATION)),
    sorting.Column("echeance", ("due_on", _ORGANISATION)),
)
DUE_DEFAULT_SORT = sorting.Sort("organisation")


def due_sort_param(value: str) -> str:
    """The sort the page really applies for ``?tri=value``, as the column headers show it."""
    return sorting.read_sort(value, DUE_COLUMNS, DUE_DEFAULT_SORT).param


@dataclass(frozen=True)
class DueTotals:
    count: int
    issued: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.issued - self.paid


def due_totals(dues: QuerySet[Due]) -> DueTotals:
    """What the listed dues (cancelled ones aside) add up to: issued, paid, remaining."""
    live = dues.filter(cancelled_at__isnull=True).order_by()
    totals = live.aggregate(issued=Sum("amount"))
    # Summed from the allocations themselves: aggregating the ``paid`` subquery annotation is not portable.
    paid = (
        Allocation.objects.counted().filter(due__in=live.values("pk")).aggregate(total=Sum("amount"))["total"]
    )
    return DueTotals(live.count(), totals["issued"] or Decimal(0), paid or Decimal(0))


def due_for(user: Any, pk: int) -> Due:
    """A due ``user`` may see, else ``NotFound`` (the same answer as for a due that does not exist)."""
    due = (
        selectors.restrict(user, Due.objects.all())
        .select_related("membership__association")
        .filter(pk=pk)
        .first()
    )
    if due is None:
        raise NotFound(f"Cotisation n° {pk} introuvable.")
    return due


def cancellations_of_return(line: Any) -> list[Document]:
    """The receipts' cancellations a bank statement's return line caused (``services.return_payment``)."""
    return list(
        Document.objects.filter(kind=Document.Kind.CANCELLATION, payment__return_line=line)
        .select_related("cancels")
        .order_by("number")
    )


def document_for(user: Any, pk: int) -> Document:
    """An invoice, receipt or cancellation whose organisation ``user`` may see, else ``NotFound``."""
    visible = selectors.restrict(user, Document.objects.all())
    document = visible.filter(pk=pk).first()
    if document is None:
        raise NotFound(f"Document n° {pk} introuvable.")
    return document
