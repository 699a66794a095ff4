"""Bank reconciliation: import a statement, match its lines to dues, and let staff settle the rest.

``import_statement`` reads the whole file first (``statements``), so a bad file changes nothing; then, in one
transaction, it keeps every line (debits too), skips lines already imported (same file, or an overlapping
export: a line's fingerprint is its account, date, amount, texts and rank among identical lines), and runs
the pure engine (``matching``) on the new credits. Confident matches become ``Payment`` and ``Allocation``
records through ``services.record_payment``; the rest wait in the queue, where ``confirm_line`` and
``reject_line`` (with a reason) settle them. A debit that gives a payment back (a returned direct debit, a
recalled transfer) is tied to the credit it returns and marks its payments returned (``match_returns``), so
the dues they settled are open again. Every step leaves an audit event.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.audit import record_event
from grappe.core.chunks import chunked
from grappe.finance import fees, matching, selectors
from grappe.finance.models import BankLine, BankStatement, Document, Due, Payment
from grappe.finance.services import FinanceError, paid_amounts, record_payment, return_payment
from grappe.finance.statements import Statement, StatementLine, read_statement
from grappe.france.text import clean_text, fold
from grappe.registry.models import Association

ACTION_LABELS = {
    "finance.statement_import": gettext_lazy("import d'un relevé bancaire"),
    "finance.bank_line_confirm": gettext_lazy("rapprochement d'une ligne de relevé"),
    "finance.bank_line_reject": gettext_lazy("ligne de relevé écartée"),
    "finance.bank_line_return_tied": gettext_lazy("rejet rattaché au virement qu'il rend"),
    "finance.bank_line_return_dismissed": gettext_lazy("rejet sans paiement enregistré ici"),
}
EVIDENCE_LABELS = {
    "reference.exact": gettext_lazy("référence de cotisation exacte"),
    "reference.corrected": gettext_lazy("référence de cotisation corrigée par sa clé"),
    "invoice.exact": gettext_lazy("numéro de facture"),
    "invoice.near": gettext_lazy("numéro de facture à un chiffre près"),
    "invoice.same_member": gettext_lazy("facture du même adhérent qu'une référence vérifiée"),
    "invoice.no_twin": gettext_lazy("aucune facture à une faute de frappe près ne doit ce montant"),
    "name.agrees": gettext_lazy("nom du payeur reconnu"),
    "name.differs": gettext_lazy("nom du payeur différent de l'adhérent"),
    "name.none": gettext_lazy("payeur non nommé"),
    "amount.exact": gettext_lazy("montant égal au restant dû"),
    "amount.partial": gettext_lazy("paiement partiel"),
    "amount.over": gettext_lazy("montant supérieur au restant dû"),
    "amount.unique": gettext_lazy("seule cotisation du payeur à ce montant"),
    "year.agrees": gettext_lazy("année indiquée par le payeur"),
}
REASON_LABELS = {
    "already_paid": gettext_lazy("les cotisations citées sont déjà réglées"),
    "near": gettext_lazy("référence approchante : plusieurs cotisations possibles"),
    "overpaid": gettext_lazy("le virement dépasse ce qui reste dû"),
    "unsure": gettext_lazy("indices insuffisants pour décider seul"),
    "no_reference": gettext_lazy("ni référence ni payeur reconnus"),
    "several_payers": gettext_lazy("plusieurs adhérents portent ce nom"),
}


@dataclass(frozen=True)
class ImportOutcome:
    statement: BankStatement
    already_imported: bool
    new_lines: int
    known_lines: int
    matched: int
    queued: int
    returned: int = 0  # payments taken back by the bank (returned direct debits, recalled transfers)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fingerprints(statement: Statement) -> list[str]:
    seen: Counter[tuple[str, ...]] = Counter()
    prints = []
    for line in statement.lines:
        key = (
            statement.account,
            line.booked_on.isoformat(),
            str(line.amount),
            line.counterparty,
            line.remittance,
            line.bank_reference,
        )
        seen[key] += 1
        text = "\x1f".join((*key, str(seen[key])))
        prints.append(hashlib.sha256(text.encode()).hexdigest())
    return prints


def import_statement(
    *, association: Association, path: Path, file_name: str, user: Any = None
) -> ImportOutcome:
    """Import a bank statement file for ``association`` and reconcile its new lines (see the module doc)."""
    digest = file_digest(path)
    known = BankStatement.objects.filter(association=association, sha256=digest).first()
    if known is not None:
        return ImportOutcome(known, True, 0, known.lines.count(), 0, 0)
    statement = read_statement(path, file_name=file_name)  # raises StatementError, nothing written yet
    return _store(association, statement, file_name[:255], digest, user)


@transaction.atomic
def _store(
    association: Association, statement: Statement, file_name: str, digest: str, user: Any
) -> ImportOutcome:
    record, created = BankStatement.objects.get_or_create(
        association=association,
        sha256=digest,
        defaults={
            "file_name": file_name,
            "format": statement.format,
            "account": statement.account[:34],
            "statement_id": statement.statement_id[:140],
            "imported_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    if not created:  # the same file imported at the same moment by someone else
        return ImportOutcome(record, True, 0, record.lines.count(), 0, 0)
    prints = _fingerprints(statement)
    existing: set[str] = set()
    for chunk in chunked(prints):
        existing |= set(
            BankLine.objects.filter(association=association, fingerprint__in=chunk).values_list(
                "fingerprint", flat=True
            )
        )
    new = [
        _line(record, association, line, fingerprint)
        for line, fingerprint in zip(statement.lines, prints, strict=True)
        if fingerprint not in existing
    ]
    BankLine.objects.bulk_create(new, batch_size=1000)
    matched, queued = match_lines(
        association=association, lines=[line for line in new if line.amount > 0], user=user
    )
    returned = match_returns(lines=[line for line in new if line.amount < 0 and is_return(line)], user=user)
    record_event(
        action="finance.statement_import",
        user=user,
        target=record,
        details={
            "lines": len(statement.lines),
            "new": len(new),
            "already_imported": len(statement.lines) - len(new),
            "matched": matched,
            "queued": queued,
            "returned": returned,
        },
    )
    return ImportOutcome(record, False, len(new), len(statement.lines) - len(new), matched, queued, returned)


# -- returns: a payment the bank takes back -------------------------------------------------------------------

# The reasons of SEPA R-transactions (ISO 20022 ExternalReturnReason1Code) a member's bank gives most often.
RETURN_REASONS = {
    "AC01": gettext_lazy("numéro de compte incorrect"),
    "AC04": gettext_lazy("compte clôturé"),
    "AC06": gettext_lazy("compte bloqué"),
    "AM04": gettext_lazy("provision insuffisante"),
    "MD01": gettext_lazy("pas de mandat"),
    "MD06": gettext_lazy("remboursement demandé par le débiteur"),
    "MS02": gettext_lazy("refus du débiteur"),
    "MS03": gettext_lazy("motif non communiqué"),
    "SL01": gettext_lazy("service spécifique de la banque du débiteur"),
}
# How French banks' CSV exports word a returned payment when the file has no structured return.
_RETURN_WORDS = ("rejet", "retour", "impaye")


def is_return(line: BankLine) -> bool:
    """A debit that gives back a payment received: a CAMT return or reversal, or a CSV line worded as one."""
    if line.raw.get("return_reason") is not None or line.raw.get("reversal") == "true":
        return True
    return fold(line.remittance).startswith(_RETURN_WORDS)


def return_reason(line: BankLine) -> str:
    code = (line.raw.get("return_reason") or "").strip().upper()
    if code:
        known = RETURN_REASONS.get(code)
        return f"{code} — {known}" if known else code
    return clean_text(line.remittance)[:200] or str(_("rejet de la banque"))


def match_returns(*, lines: Sequence[BankLine], user: Any = None) -> int:
    """Tie each return to the credit it gives back — the one reconciled line of the same payer (by name) and
    the same amount, booked before it — and mark that line's payments returned (``services.return_payment``):
    the dues they settled are open again. A return tied to nothing, or to more than one line, waits for a
    person on the reconciliation page (``unmatched_returns``); nothing is guessed. Returns the number tied."""
    tied = 0
    for line in lines:
        original = _returned_line(line)
        if original is None:
            line.explanation = {"return": "unmatched"}
            line.save(update_fields=["explanation"])
            continue
        _give_back(line, original, user, how="matched")
        tied += 1
    return tied


def _give_back(line: BankLine, original: BankLine, user: Any, *, how: str) -> None:
    reason = return_reason(line)
    for payment in original.payments.filter(returned_on__isnull=True):
        return_payment(payment=payment, on=line.booked_on, reason=reason, line=line, user=user)
    line.status = BankLine.Status.RETURN
    line.explanation = {"return": how, "line": original.pk}
    if how == "tied":
        line.decided_by, line.decided_at = _person(user), timezone.now()
    line.save(update_fields=["status", "explanation", "decided_by", "decided_at"])


def unmatched_returns() -> QuerySet[BankLine]:
    """Returns no credit could be tied to alone: they wait for a person."""
    return BankLine.objects.filter(status=BankLine.Status.DEBIT, explanation__return="unmatched")


def _givable(line: BankLine) -> QuerySet[BankLine]:
    """The reconciled credits ``line`` may give back: its amount, booked before it, payments not returned."""
    return (
        BankLine.objects.filter(
            association_id=line.association_id,
            amount=-line.amount,
            booked_on__lte=line.booked_on,
            status__in=[BankLine.Status.MATCHED, BankLine.Status.CONFIRMED],
            payments__returned_on__isnull=True,
        )
        .distinct()
        .order_by("-booked_on", "pk")
    )


def return_candidates(lines: Sequence[BankLine], limit: int = 20) -> dict[int, list[BankLine]]:
    """For each waiting return, the credits it may give back (most recent first, at most ``limit``)."""
    return {line.pk: list(_givable(line)[:limit]) for line in lines}


def _waiting_return(line: BankLine) -> BankLine:
    line = BankLine.objects.select_for_update().get(pk=line.pk)
    if line.status != BankLine.Status.DEBIT or line.explanation.get("return") != "unmatched":
        raise FinanceError(
            _("« %(line)s » n'est pas un rejet en attente : il a déjà été traité.") % {"line": line}
        )
    return line


@transaction.atomic
def tie_return(*, line: BankLine, original: BankLine, user: Any = None) -> BankLine:
    """A person ties a waiting return to the credit it gives back: its payments are returned, as when the
    import ties it alone."""
    line = _waiting_return(line)
    if not _givable(line).filter(pk=original.pk).exists():
        raise FinanceError(
            _(
                "« %(original)s » ne peut pas être rendu par « %(line)s » : il faut un virement rapproché du même "
                "montant, reçu avant le rejet, dont les paiements n'ont pas déjà été rejetés."
            )
            % {"original": original, "line": line}
        )
    _give_back(line, original, user, how="tied")
    record_event(
        action="finance.bank_line_return_tied", user=user, target=line, details={"original": str(original)}
    )
    return line


@transaction.atomic
def dismiss_return(*, line: BankLine, reason: str, user: Any = None) -> BankLine:
    """A person says a waiting return gives back no payment recorded here (a payment made before Grappe,
    another account's operation): it stays a debit, with who decided and why."""
    reason = reason.strip()
    if not reason:
        raise FinanceError(
            _("Indiquez pourquoi « %(line)s » ne rend aucun paiement enregistré ici.")
            % {"line": BankLine.objects.get(pk=line.pk)}
        )
    line = _waiting_return(line)
    line.explanation = {"return": "dismissed"}
    line.decided_by, line.decided_at, line.reject_reason = _person(user), timezone.now(), reason[:200]
    line.save(update_fields=["explanation", "decided_by", "decided_at", "reject_reason"])
    record_event(
        action="finance.bank_line_return_dismissed", user=user, target=line, details={"reason": reason[:200]}
    )
    return line


def _returned_line(line: BankLine) -> BankLine | None:
    """The credit ``line`` gives back. Its payer is the return's counterparty, or, in a CSV export whose debits
    name no payer, the one the return's label names."""
    payer, label = fold(line.counterparty), f" {fold(line.remittance)} "

    def same_payer(candidate: BankLine) -> bool:
        name = fold(candidate.counterparty)
        return bool(name) and (name == payer if payer else f" {name} " in label)

    candidates = _givable(line)
    paid_by_payer = [candidate for candidate in candidates if same_payer(candidate)]
    return paid_by_payer[0] if len(paid_by_payer) == 1 else None


def _line(
    statement: BankStatement, association: Association, line: StatementLine, fingerprint: str
) -> BankLine:
    return BankLine(
        statement=statement,
        association=association,
        fingerprint=fingerprint,
        position=line.position,
        booked_on=line.booked_on,
        amount=line.amount,
        counterparty=line.counterparty[:140],
        remittance=line.remittance,
        bank_reference=line.bank_reference[:140],
        raw=line.raw,
        status=BankLine.Status.QUEUED if line.amount > 0 else BankLine.Status.DEBIT,
    )


def open_dues(association: Association) -> list[matching.OpenDue]:
    """The association's dues not cancelled and not fully paid, as the engine reads them."""
    rows = list(
        Due.objects.filter(membership__association=association, cancelled_at__isnull=True).values_list(
            "pk", "membership__organisation_id", "membership__organisation__name", "year", "amount", "due_on"
        )
    )
    paid = paid_amounts(row[0] for row in rows)
    invoices = dict(
        Document.objects.filter(association=association, kind=Document.Kind.INVOICE, due__isnull=False)
        .values_list("due_id", "number")
        .iterator(chunk_size=5000)
    )
    rows.sort(key=lambda row: (row[5], row[0]))  # oldest first: a partial payment settles those first
    return [
        matching.OpenDue(
            id=pk,
            organisation_id=organisation_id,
            organisation_name=name,
            year=year,
            outstanding=fees.to_cents(amount - paid.get(pk, Decimal(0))),
            invoice_number=invoices.get(pk, ""),
        )
        for pk, organisation_id, name, year, amount, _due_on in rows
        if amount - paid.get(pk, Decimal(0)) > 0
    ]


def match_lines(*, association: Association, lines: Sequence[BankLine], user: Any = None) -> tuple[int, int]:
    """Run the engine on ``lines`` (credits, in the caller's transaction): payments for the confident ones,
    the explanation kept on every line. Returns (matched, queued)."""
    if not lines:
        return 0, 0
    decisions = matching.reconcile(
        [
            matching.Line(
                key=index,
                amount=fees.to_cents(line.amount),
                counterparty=line.counterparty,
                text=f"{line.remittance} {line.bank_reference}",
            )
            for index, line in enumerate(lines)
        ],
        open_dues(association),
    )
    dues = _dues({share.due_id for decision in decisions for share in decision.shares})
    matched = 0
    for line, decision in zip(lines, decisions, strict=True):
        line.explanation = decision.as_json()
        if decision.matched:
            _pay(line, [(dues[s.due_id], fees.from_cents(s.cents)) for s in decision.shares], user)
            line.status = BankLine.Status.MATCHED
            matched += 1
    BankLine.objects.bulk_update(lines, ["explanation", "status"], batch_size=1000)
    return matched, len(lines) - matched


def _dues(ids: Iterable[int]) -> dict[int, Due]:
    found: dict[int, Due] = {}
    for chunk in chunked(sorted(ids)):
        found |= Due.objects.select_related("membership__organisation").in_bulk(chunk)
    return found


def _pay(line: BankLine, allocations: Sequence[tuple[Due, Decimal]], user: Any) -> list[Payment]:
    """One payment per paying organisation; what no due takes stays on the first one, unallocated."""
    by_organisation: dict[int, list[tuple[Due, Decimal]]] = defaultdict(list)
    for due, share in allocations:
        by_organisation[due.membership.organisation_id].append((due, share))
    rest = line.amount - sum((share for _due, share in allocations), Decimal(0))
    payments = []
    for index, shares in enumerate(by_organisation.values()):
        amount = sum((share for _due, share in shares), Decimal(0)) + (rest if index == 0 else Decimal(0))
        payments.append(
            record_payment(
                organisation=shares[0][0].membership.organisation,
                association=line.association,
                method="transfer",
                amount=amount,
                received_on=line.booked_on,
                reference=(line.remittance or line.bank_reference)[:140],
                allocations=shares,
                user=user,
                bank_line=line,
            )
        )
    return payments


# -- the queue ------------------------------------------------------------------------------------------------


def _queued(line: BankLine) -> BankLine:
    line = BankLine.objects.select_for_update().select_related("association").get(pk=line.pk)
    if line.status != BankLine.Status.QUEUED:
        raise FinanceError(
            _("La ligne « %(line)s » a déjà été traitée (%(status)s).")
            % {"line": line, "status": line.get_status_display()}
        )
    return line


def proposal(line: BankLine) -> list[tuple[Due, Decimal]]:
    """The engine's proposed allocations for a queued line, against today's balances."""
    shares = line.explanation.get("shares", [])
    dues = _dues(due_id for due_id, _organisation, _cents in shares)
    return _proposal(line, dues, paid_amounts(dues))


def _proposal(line: BankLine, dues: dict[int, Due], paid: dict[int, Decimal]) -> list[tuple[Due, Decimal]]:
    plan, left = [], line.amount
    for due_id, _organisation, _cents in line.explanation.get("shares", []):
        due = dues.get(due_id)
        if due is None or due.cancelled_at is not None:
            continue
        part = min(due.amount - paid.get(due_id, Decimal(0)), left)
        if part > 0:
            plan.append((due, part))
            left -= part
    return plan


@transaction.atomic
def confirm_line(
    *, line: BankLine, user: Any = None, due: Due | None = None, reason: str = ""
) -> list[Payment]:
    """Settle a queued line: with the engine's proposal, or with ``due`` that a person chose (the line's
    amount goes to it up to its balance; any rest stays on the payment, unallocated)."""
    line = _queued(line)
    if line.amount <= 0:
        raise FinanceError(_("« %(line)s » est un débit : il ne règle aucune cotisation.") % {"line": line})
    if due is None:
        plan = proposal(line)
        if not plan:
            raise FinanceError(
                _("« %(line)s » : aucune cotisation proposée n'est encore ouverte.") % {"line": line},
                hint=_("Choisissez la cotisation qu'il règle, ou écartez la ligne avec un motif."),
            )
    else:
        due = Due.objects.select_related("membership__organisation", "membership__association").get(pk=due.pk)
        if due.membership.association_id != line.association_id or due.cancelled_at is not None:
            raise FinanceError(
                _("« %(due)s » n'est pas une cotisation ouverte de « %(association)s ».")
                % {"due": due, "association": line.association}
            )
        outstanding = due.amount - paid_amounts([due.pk]).get(due.pk, Decimal(0))
        if outstanding <= 0:
            raise FinanceError(
                _("« %(due)s » est déjà réglée.") % {"due": due},
                hint=_("Choisissez une autre cotisation, ou écartez la ligne avec un motif."),
            )
        plan = [(due, min(outstanding, line.amount))]
    payments = _pay(line, plan, user)
    line.status, line.decided_by, line.decided_at = BankLine.Status.CONFIRMED, _person(user), timezone.now()
    line.reject_reason = reason.strip()[:200]
    line.save(update_fields=["status", "decided_by", "decided_at", "reject_reason"])
    record_event(
        action="finance.bank_line_confirm",
        user=user,
        target=line,
        details={
            "dues": [str(d) for d, _share in plan],
            "amounts": [str(share) for _d, share in plan],
            "chosen": due is not None,
            "reason": line.reject_reason,
        },
    )
    return payments


@transaction.atomic
def reject_line(*, line: BankLine, reason: str, user: Any = None) -> BankLine:
    """Set a queued line aside (a subsidy, a refund, a donation…): kept, with who decided and why."""
    reason = reason.strip()
    if not reason:
        raise FinanceError(
            _("Indiquez pourquoi « %(line)s » ne règle aucune cotisation (subvention, remboursement…).")
            % {"line": BankLine.objects.get(pk=line.pk)}
        )
    line = _queued(line)
    line.status, line.decided_by, line.decided_at = BankLine.Status.REJECTED, _person(user), timezone.now()
    line.reject_reason = reason[:200]
    line.save(update_fields=["status", "decided_by", "decided_at", "reject_reason"])
    record_event(
        action="finance.bank_line_reject", user=user, target=line, details={"reason": line.reject_reason}
    )
    return line


def _person(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def explained(line: BankLine) -> tuple[list[str], str]:
    """The line's evidence and the reason it waits, in words."""
    evidence = [str(EVIDENCE_LABELS.get(code, code)) for code in line.explanation.get("evidence", [])]
    reason = line.explanation.get("reason", "")
    return evidence, str(REASON_LABELS.get(reason, reason))


def _candidate_ids(line: BankLine) -> set[int]:
    return set(line.explanation.get("candidates", [])) | {s[0] for s in line.explanation.get("shares", [])}


def candidate_dues(line: BankLine) -> list[Any]:
    """The dues a person may pick for a queued line: the engine's candidates and proposal, with ``paid``."""
    return _paid_dues(_candidate_ids(line), cancelled=False)


def _paid_dues(ids: Iterable[int], *, cancelled: bool) -> list[Due]:
    """The dues ``ids`` with ``paid``, oldest first (the cancelled ones too when ``cancelled``), by chunks."""
    found: list[Due] = []
    for chunk in chunked(sorted(set(ids))):
        dues = Due.objects.filter(pk__in=chunk)
        if not cancelled:
            dues = dues.filter(cancelled_at__isnull=True)
        found += selectors.with_paid(dues).select_related("membership__organisation")
    return sorted(found, key=lambda due: (due.due_on, due.pk))


@dataclass(frozen=True)
class QueueRow:
    line: BankLine
    evidence: list[str]
    reason: str
    proposal: list[tuple[Due, Decimal]]
    candidates: list[Due]


def queue_rows(lines: Iterable[BankLine]) -> list[QueueRow]:
    """What the queue page shows of each line, read for the whole page at once: the same number of queries
    whatever the number of lines (one for the dues of every line, with what was paid on each)."""
    lines = list(lines)
    wanted = {due_id for line in lines for due_id in _candidate_ids(line)}
    dues = {due.pk: due for due in _paid_dues(wanted, cancelled=True)}
    paid = {pk: due.paid for pk, due in dues.items()}
    rows = []
    for line in lines:
        evidence, reason = explained(line)
        candidates = [
            dues[pk] for pk in sorted(_candidate_ids(line) & dues.keys()) if dues[pk].cancelled_at is None
        ]
        candidates.sort(key=lambda due: (due.due_on, due.pk))
        rows.append(QueueRow(line, evidence, reason, _proposal(line, dues, paid), candidates))
    return rows
