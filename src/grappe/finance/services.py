"""Finance services: generate a year's dues, record payments, cancel a due, and say who is in good standing.

Every function that changes state is atomic and leaves an audit event; each refuses bad input with a
``UserError`` that names the object and the fix, and then has changed nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.core.chunks import chunked
from grappe.errors import UserError
from grappe.finance import fees
from grappe.finance.models import Allocation, DeclaredTurnover, Due, FeeSchedule, Payment
from grappe.registry.models import Association, Membership, Organisation

ACTION_LABELS = {
    "finance.generate_dues": gettext_lazy("génération des cotisations"),
    "finance.payment": gettext_lazy("enregistrement d'un paiement"),
    "finance.payment_returned": gettext_lazy("rejet d'un paiement par la banque"),
    "finance.cancel_due": gettext_lazy("annulation d'une cotisation"),
}

# Memberships owing dues: those not ended or lapsed. A pending one (application being reviewed) is billed.
BILLED_STATUSES = (Membership.Status.ACTIVE, Membership.Status.PENDING)
# Dues built and inserted per batch: bounds the memory held in model instances (bulk_create itself splits a
# batch further to fit the database's limit on bound variables).
BATCH_SIZE = 2000
# How many refused members a generation names before « … and N more ».
SHOWN_PROBLEMS = 5


class FinanceError(UserError):
    code = "grappe.finance"


def _as_user_error(error: fees.FeeError) -> FinanceError:
    return FinanceError(error.render(_), code=f"grappe.{error.code}")


# -- generating dues ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    """What ``generate_dues`` did: dues created, memberships that already had the year's due."""

    schedule: FeeSchedule
    created: int
    already_due: int
    total: Decimal


def _billed_memberships(schedule: FeeSchedule) -> QuerySet[Membership]:
    first, last = datetime.date(schedule.year, 1, 1), datetime.date(schedule.year, 12, 31)
    return (
        Membership.objects.filter(association_id=schedule.association_id, status__in=BILLED_STATUSES)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=last))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
    )


def _turnovers(schedule: FeeSchedule) -> dict[int, int]:
    """Each company's turnover of its last financial year closed before the dues year, in cents."""
    if schedule.basis != FeeSchedule.Basis.TURNOVER:
        return {}
    latest: dict[int, int] = {}
    rows = DeclaredTurnover.objects.filter(year__lt=schedule.year).order_by("year")
    for organisation_id, amount in rows.values_list("organisation_id", "amount").iterator(chunk_size=5000):
        latest[organisation_id] = fees.to_cents(amount)
    return latest


@transaction.atomic
def generate_dues(*, schedule: FeeSchedule, user: Any = None, batch_size: int = BATCH_SIZE) -> Generation:
    """Issue the year's due of every billed member of the schedule's association, all or nothing.

    Idempotent: a membership that already has a due for the year (not cancelled) keeps it untouched, paid or
    not, whichever schedule issued it (an absorbed association's due carried over by a merger counts). A member
    the schedule cannot price (no fee category, no headcount bracket…) refuses the whole run, naming it.
    """
    # One generation at a time per schedule: a second one waits, then finds every due already issued.
    schedule = FeeSchedule.objects.select_for_update().select_related("association").get(pk=schedule.pk)
    try:
        rules = schedule.rules()
    except fees.FeeError as error:
        raise _as_user_error(error) from error
    already = set(
        Due.objects.filter(
            year=schedule.year, cancelled_at__isnull=True, membership__association=schedule.association_id
        )
        .values_list("membership_id", flat=True)
        .iterator(chunk_size=5000)
    )
    turnovers = _turnovers(schedule)
    priced: list[tuple[int, fees.Fee]] = []
    problems: list[str] = []
    columns = (
        "pk",
        "starts_on",
        "organisation_id",
        "organisation__name",
        "organisation__headcount_bracket",
        "membership_type__fee_category",
    )
    skipped = 0
    for pk, starts_on, organisation_id, name, headcount, category in (
        _billed_memberships(schedule).order_by("pk").values_list(*columns).iterator(chunk_size=5000)
    ):
        if pk in already:
            skipped += 1
            continue
        member = fees.Member(
            name=name,
            category=category or "",
            headcount_code=headcount or "",
            turnover_cents=turnovers.get(organisation_id),
            joined_on=starts_on,
        )
        try:
            priced.append((pk, fees.compute_fee(rules, member, schedule.year)))
        except fees.FeeError as error:
            problems.append(error.render(_))
    if problems:
        shown = " ; ".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        raise FinanceError(
            _(
                "Aucune cotisation %(year)s n'a été émise : %(count)d adhérent(s) ne peuvent pas être chiffrés. "
                "%(problems)s%(more)s"
            )
            % {
                "year": schedule.year,
                "count": len(problems),
                "problems": shown,
                "more": _(" ; et %(n)d autre(s).") % {"n": more} if more > 0 else ".",
            },
            hint=_("Corrigez ces fiches ou le barème, puis relancez la génération."),
        )
    _insert_dues(schedule, priced, batch_size)
    total = sum(fee.total_cents for _pk, fee in priced)
    record_event(
        action="finance.generate_dues",
        user=user,
        target=schedule,
        details={"created": len(priced), "already_due": skipped, "total": fees.from_cents(total)},
    )
    return Generation(
        schedule=schedule, created=len(priced), already_due=skipped, total=fees.from_cents(total)
    )


# The columns COPY writes: every concrete field but the id and the cancellation date (NULL), in this order.
_COPIED = (
    "membership",
    "schedule",
    "year",
    "base_amount",
    "prorata_amount",
    "discount_amount",
    "amount",
    "months",
    "due_on",
    "created_at",
    "cancel_reason",
)


def _insert_dues(schedule: FeeSchedule, priced: list[tuple[int, fees.Fee]], batch_size: int) -> None:
    """Write the dues: COPY on PostgreSQL (the ORM's INSERT spends most of its time preparing values, three
    times slower at 100,000 dues), batched ``bulk_create`` elsewhere. Both run in the caller's transaction."""
    if connection.vendor != "postgresql":
        for batch in chunked(priced, batch_size):
            Due.objects.bulk_create([_due(schedule, pk, fee) for pk, fee in batch], batch_size=batch_size)
        return
    meta = Due._meta
    column_of = {field.name: str(field.column) for field in meta.concrete_fields}  # concrete: never None
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in _COPIED)
    statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for pk, fee in priced:
            copy.write_row(
                (
                    pk,
                    schedule.pk,
                    schedule.year,
                    fees.from_cents(fee.base_cents),
                    fees.from_cents(fee.prorata_cents),
                    fees.from_cents(fee.discount_cents),
                    fees.from_cents(fee.total_cents),
                    fee.months,
                    schedule.due_on,
                    now,
                    "",
                )
            )


def _due(schedule: FeeSchedule, membership_id: int, fee: fees.Fee) -> Due:
    return Due(
        membership_id=membership_id,
        schedule=schedule,
        year=schedule.year,
        base_amount=fees.from_cents(fee.base_cents),
        prorata_amount=fees.from_cents(fee.prorata_cents),
        discount_amount=fees.from_cents(fee.discount_cents),
        amount=fees.from_cents(fee.total_cents),
        months=fee.months,
        due_on=schedule.due_on,
    )


@transaction.atomic
def cancel_due(*, due: Due, reason: str, user: Any = None) -> Due:
    """Cancel a due issued by mistake: it stays on record with the reason; the next generation may reissue it."""
    due = Due.objects.select_for_update().get(pk=due.pk)
    reason = reason.strip()
    if not reason:
        raise FinanceError(_("Indiquez le motif de l'annulation de « %(due)s ».") % {"due": due})
    if due.cancelled_at is not None:
        raise FinanceError(_("« %(due)s » est déjà annulée.") % {"due": due})
    if due.allocations.counted().exists():
        raise FinanceError(
            _("« %(due)s » a déjà reçu des paiements : elle ne peut pas être annulée.") % {"due": due},
            hint=_("Remboursez ou réaffectez d'abord ces paiements."),
        )
    due.cancelled_at, due.cancel_reason = timezone.now(), reason[:200]
    due.save(update_fields=["cancelled_at", "cancel_reason"])
    record_event(action="finance.cancel_due", user=user, target=due, details={"reason": due.cancel_reason})
    return due


# -- payments -------------------------------------------------------------------------------------------------


def paid_amounts(due_ids: Iterable[int]) -> dict[int, Decimal]:
    """What has been allocated to each due so far."""
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for chunk in chunked(sorted(set(due_ids))):
        rows = (
            Allocation.objects.counted()
            .filter(due_id__in=chunk)
            .values("due_id")
            .annotate(total=Sum("amount"))
        )
        for row in rows:
            paid[row["due_id"]] = row["total"]
    return paid


def check_payment(
    *, organisation: Organisation, method: str, reference: str, amount: Decimal, received_on: datetime.date
) -> None:
    """Raise ``FinanceError`` on a payment that cannot be recorded (forms call it to show the refusal early)."""
    if method not in Payment.Method.values:
        raise FinanceError(_("Moyen de paiement inconnu : « %(method)s ».") % {"method": method})
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise FinanceError(
            _(
                "Paiement de « %(organisation)s » : montant invalide (%(amount)s) ; un montant positif en euros et "
                "centimes est attendu."
            )
            % {"organisation": organisation, "amount": amount}
        )
    if method in (Payment.Method.CHEQUE, Payment.Method.CARD) and not reference:
        raise FinanceError(
            _("Paiement par %(method)s de « %(organisation)s » : indiquez %(what)s.")
            % {
                "method": Payment.Method(method).label,
                "organisation": organisation,
                "what": _("le numéro du chèque")
                if method == Payment.Method.CHEQUE
                else _("la référence de la transaction"),
            }
        )
    if received_on > timezone.localdate():
        raise FinanceError(
            _("Paiement de « %(organisation)s » : la date de réception (%(date)s) est dans le futur.")
            % {"organisation": organisation, "date": received_on.strftime("%d/%m/%Y")}
        )


def _plan_allocations(
    *,
    organisation: Organisation,
    association: Association,
    amount: Decimal,
    allocations: Sequence[tuple[Due, Decimal]] | None,
) -> list[tuple[Due, Decimal]]:
    """The allocations to write, checked: explicit ones as given, else the oldest open dues first."""
    owned = Due.objects.select_for_update().filter(
        membership__organisation=organisation, membership__association=association, cancelled_at__isnull=True
    )
    if allocations is None:
        open_dues = list(owned.order_by("due_on", "pk"))
        paid = paid_amounts(due.pk for due in open_dues)
        plan, left = [], amount
        for due in open_dues:
            share = min(due.amount - paid.get(due.pk, Decimal(0)), left)
            if share > 0:
                plan.append((due, share))
                left -= share
        return plan
    dues = {due.pk: due for due in owned.filter(pk__in=[due.pk for due, _share in allocations])}
    paid = paid_amounts(dues)
    for due, share in allocations:
        if due.pk not in dues:
            raise FinanceError(
                _(
                    "« %(due)s » n'est pas une cotisation ouverte de « %(organisation)s » auprès de « %(association)s »."
                )
                % {"due": due, "organisation": organisation, "association": association}
            )
        outstanding = due.amount - paid.get(due.pk, Decimal(0))
        if share <= 0 or share > outstanding:
            raise FinanceError(
                _("« %(due)s » : %(share)s € ne peut pas y être affecté, il reste %(outstanding)s € à payer.")
                % {"due": due, "share": share, "outstanding": outstanding}
            )
        paid[due.pk] = paid.get(due.pk, Decimal(0)) + share
    if sum((share for _due, share in allocations), Decimal(0)) > amount:
        raise FinanceError(
            _("Les affectations dépassent le montant du paiement (%(amount)s €).") % {"amount": amount}
        )
    return [(dues[due.pk], share) for due, share in allocations]


@transaction.atomic
def record_payment(
    *,
    organisation: Organisation,
    association: Association,
    method: str,
    amount: Decimal,
    received_on: datetime.date,
    reference: str = "",
    allocations: Sequence[tuple[Due, Decimal]] | None = None,
    user: Any = None,
    bank_line: Any = None,
) -> Payment:
    """Record money received from ``organisation`` and settle dues with it.

    ``allocations`` None settles the organisation's open dues with ``association``, oldest first, until the
    money runs out (one transfer paying several dues; a partial payment leaves the rest open). What no due
    takes stays on the payment, unallocated, for the next due.
    """
    reference = reference.strip()
    check_payment(
        organisation=organisation, method=method, reference=reference, amount=amount, received_on=received_on
    )
    plan = _plan_allocations(
        organisation=organisation, association=association, amount=amount, allocations=allocations
    )
    payment = Payment.objects.create(
        organisation=organisation,
        association=association,
        method=method,
        reference=reference,
        amount=amount,
        received_on=received_on,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
        bank_line=bank_line,
    )
    Allocation.objects.bulk_create(Allocation(payment=payment, due=due, amount=share) for due, share in plan)
    record_event(
        action="finance.payment",
        user=user,
        target=payment,
        parent=organisation,
        details={"amount": amount, "dues": [str(due) for due, _share in plan]},
    )
    return payment


@transaction.atomic
def return_payment(
    *, payment: Payment, on: datetime.date, reason: str, line: Any = None, user: Any = None
) -> Payment:
    """Record that the bank took ``payment`` back on ``on`` (a returned direct debit, a recalled transfer): the
    payment stays on record with the date and the reason and settles nothing from then on, so the dues it had
    settled are open again, and the member's standing follows. A receipt issued for it is voided by a numbered
    cancellation (``documents.cancel_receipt``), in the same transaction."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    reason = reason.strip()
    if payment.returned_on is not None:
        raise FinanceError(
            _("« %(payment)s » a déjà été rejeté le %(date)s.")
            % {"payment": payment, "date": payment.returned_on.strftime("%d/%m/%Y")}
        )
    if not reason:
        raise FinanceError(_("Indiquez le motif du rejet de « %(payment)s ».") % {"payment": payment})
    if on < payment.received_on:
        raise FinanceError(
            _("« %(payment)s » ne peut pas être rejeté le %(date)s, avant d'avoir été reçu.")
            % {"payment": payment, "date": on.strftime("%d/%m/%Y")}
        )
    payment.returned_on, payment.return_reason, payment.return_line = on, reason[:200], line
    payment.save(update_fields=["returned_on", "return_reason", "return_line"])
    # Imported here: the documents module builds on this one (its errors, the payments it attests).
    from grappe.finance.documents import cancel_receipt

    cancel_receipt(payment=payment, user=user)
    record_event(
        action="finance.payment_returned",
        user=user,
        target=payment,
        parent=payment.organisation,
        details={
            "amount": payment.amount,
            "on": on,
            "reason": payment.return_reason,
            "dues": [str(allocation.due) for allocation in payment.allocations.select_related("due")],
        },
    )
    return payment


# -- good standing --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """Whether a membership is in good standing for a year on a date, and why, in words a member can read."""

    membership_id: int
    in_good_standing: bool
    reason: str
    outstanding: Decimal


def standings(memberships: Iterable[Membership], *, year: int, on: datetime.date) -> dict[int, Standing]:
    """Each membership's standing: in good standing when its dues for ``year`` are issued and fully paid, or
    when ``on`` falls within the grace period of its association's schedule for the year.

    The one place the rule lives: the dues page, the CLI and voting eligibility all call it. Query count does
    not grow with the number of memberships (chunks of ids aside).
    """
    memberships = list(memberships)
    ids = [m.pk for m in memberships]
    owed: dict[int, Decimal] = defaultdict(Decimal)
    due_ids_by_membership: dict[int, list[int]] = defaultdict(list)
    for chunk in chunked(ids):
        for due_id, membership_id, amount in Due.objects.filter(
            membership_id__in=chunk, year=year, cancelled_at__isnull=True
        ).values_list("pk", "membership_id", "amount"):
            owed[membership_id] += amount
            due_ids_by_membership[membership_id].append(due_id)
    paid = paid_amounts(due_id for due_ids in due_ids_by_membership.values() for due_id in due_ids)
    graces = dict(
        FeeSchedule.objects.filter(
            year=year, association_id__in={m.association_id for m in memberships}, grace_until__isnull=False
        ).values_list("association_id", "grace_until")
    )
    result = {}
    for membership in memberships:
        due_ids = due_ids_by_membership.get(membership.pk, [])
        outstanding = owed[membership.pk] - sum((paid.get(pk, Decimal(0)) for pk in due_ids), Decimal(0))
        grace = graces.get(membership.association_id)
        if due_ids and outstanding <= 0:
            good, reason = True, _("cotisation %(year)s réglée") % {"year": year}
        elif grace is not None and on <= grace:
            good, reason = True, _("délai de grâce jusqu'au %(date)s") % {"date": grace.strftime("%d/%m/%Y")}
        elif not due_ids:
            good, reason = False, _("aucune cotisation %(year)s émise") % {"year": year}
        else:
            good, reason = (
                False,
                _("cotisation %(year)s : %(amount)s restant dus")
                % {
                    "year": year,
                    "amount": fees.format_cents(fees.to_cents(outstanding)),
                },
            )
        result[membership.pk] = Standing(membership.pk, good, reason, max(outstanding, Decimal(0)))
    return result


def good_standing(membership: Membership, *, year: int, on: datetime.date) -> Standing:
    """``standings`` for one membership."""
    return standings([membership], year=year, on=on)[membership.pk]
