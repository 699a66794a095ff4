"""Match bank lines to open dues: a pure engine (no Django), explained line by line.

Evidence, strongest first:

- **Due reference** (``RFkk 2026 0001 23``): an ISO 11649 creditor reference whose body is the year and the
  due's number, printed on invoices and reminders. Its two check digits catch every single wrong digit and
  every swap of two neighbours; one such error is corrected when exactly one correction names an open due.
- **Invoice number** (``FAC-2026-00012``), with separators missing or changed and the letters people (and
  bank OCR) put for digits (``O`` for ``0``, ``l`` for ``1``…). It has no check digit: a mistyped number
  often names another member's invoice of the same fee, so it counts only when something else vouches for
  it (below); a number one typo away from the named payer's invoice counts when the name agrees.
- **Payer's name**: folded (accents, case, punctuation), legal form removed (``grappe.france``), compared
  as a prefix when the bank cut it at 35 characters (SEPA's limit for many banks' exports). A name that
  designates no member (a parent company, a foreign payer) contradicts nothing; one designating another
  member contradicts the references.
- **Amount**: equal to what the referenced dues still owe, or to one open due (or all) of the named payer.
- **Year** written alone in a text without reference (« COTISATION 2025 »).

A line is matched only on two agreeing pieces of evidence, each reference standing on its own, nothing
contradicting them and no other reading fitting as well; any doubt sends it to the queue with what was found,
for a person to decide. The rules, with the evidence codes they leave:

- references paying exactly what they owe, each one checked (``reference.exact``), corrected by its check
  digits into the only due it can name (``reference.corrected``, unless another member is named), of the
  named payer (``name.agrees``), an invoice of the member of a checked reference in the line
  (``invoice.same_member``: two years paid at once), or, under no member's name, an invoice no typo of which
  names a due owing the same amount (``invoice.no_twin``: the amount then tells the typo apart);
- references paying part of what they owe: one payer, by a checked reference or by its name agreeing;
- a lone invoice number the line cannot pay, one typo away from exactly one open invoice of the named payer
  (``invoice.near`` and ``name.agrees``);
- a name alone: the payer's only open due or all of them at the exact amount; the one due of the named
  payer(s) owing exactly the amount when no other could be partly paid by it (``amount.unique``); the one due
  of the year written in the text owing exactly the amount (``year.agrees``).

Allocations never exceed the line's amount nor a due's balance, which the engine tracks across the lines of a
run.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from stdnum import iso11649

from grappe.france.legal_forms import strip_legal_form
from grappe.france.text import fold
from grappe.linkage.vocabulary import LEGAL_FORM_WORDS

# Banks cut the payer's name at 35 characters in many exports: a name this long may be a truncated one.
TRUNCATED_AT = 35
# Names this similar (difflib ratio on the folded, legal-form-free names) are the same payer with a typo.
NAME_SIMILARITY = 0.9
# A payer name shorter than this (folded) never identifies an organisation on its own: « SA », « ACME ».
SHORTEST_NAME = 4
# How many candidate dues a queued line proposes to the person deciding.
SHOWN_CANDIDATES = 5

# Letters typed or scanned for digits, in reference bodies only (never in names).
_AS_DIGIT = str.maketrans("OQDILZSBG", "001112586")
_DIGITISH = "[0-9OQDILZSBG]"
_RF = re.compile(rf"R\s?F\s?({_DIGITISH}\s?{_DIGITISH})((?:[\s.\-/]?{_DIGITISH}){{6,21}})")
_INVOICE = re.compile(
    rf"F\s?A\s?C(?:T(?:URE)?)?\s?[\s.\-_/:°N]*((?:2\s?[0O]|Z\s?[0O])\s?{_DIGITISH}\s?{_DIGITISH})"
    rf"[\s.\-_/]*((?:{_DIGITISH}\s?){{1,5}})(?![0-9])"
)

_YEAR = re.compile(r"(?<![\w/.-])(20[0-9]{2})(?![\w/.-])")


def due_reference(year: int, due_id: int) -> str:
    """The creditor reference of a due, as printed: ``RF47 2026 0001 23``."""
    return iso11649.format(iso11649.compact(_with_check(f"{year}{due_id:06d}")))


def _with_check(body: str) -> str:
    check = 98 - int("".join(str(int(c, 36)) for c in body + "RF00")) % 97
    return f"RF{check:02d}{body}"


def _reference_body(reference: str) -> tuple[int, int] | None:
    body = reference[4:]
    if len(body) < 10 or not body.isdigit():
        return None
    return int(body[:4]), int(body[4:])


@dataclass(frozen=True)
class OpenDue:
    id: int
    organisation_id: int
    organisation_name: str
    year: int
    outstanding: int  # cents still owed
    invoice_number: str = ""  # « FAC-2026-00012 », empty when no invoice was issued


@dataclass(frozen=True)
class Line:
    key: int
    amount: int  # cents, > 0: only money received is matched
    counterparty: str = ""
    text: str = ""  # remittance information and bank reference, as written


@dataclass(frozen=True)
class Share:
    due_id: int
    organisation_id: int
    cents: int


@dataclass(frozen=True)
class Decision:
    """What the engine made of a line. ``matched``: the shares are allocated; else the line is queued with
    ``shares`` as a proposal (possibly empty) and ``candidates`` to choose from. ``evidence`` are codes."""

    line_key: int
    matched: bool
    shares: tuple[Share, ...] = ()
    evidence: tuple[str, ...] = ()
    reason: str = ""
    candidates: tuple[int, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "matched": self.matched,
            "shares": [[s.due_id, s.organisation_id, s.cents] for s in self.shares],
            "evidence": list(self.evidence),
            "reason": self.reason,
            "candidates": list(self.candidates),
        }


# -- reading references ---------------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"[\s.\-/_]", "", text.upper()).translate(_AS_DIGIT)


def found_references(text: str) -> list[tuple[list[tuple[int, int]], bool]]:
    """The creditor references written in ``text``: for each, the (year, due id) it reads as and whether it
    was corrected. A body failing its check is corrected (one digit changed, or two neighbours swapped) into
    every candidate that passes: the caller keeps a correction only when exactly one names an open due."""
    found: list[tuple[list[tuple[int, int]], bool]] = []
    upper = text.upper()
    for match in _RF.finditer(upper):
        check = _digits(match.group(1))
        body, ends = _body_and_word_ends(upper, match.start(2), match.end(2))
        # The body may run on into a date or an operation number written next to it: every prefix that
        # passes the check and ends where a word ends is a reading; the caller keeps the ones naming a due.
        exact = [
            parsed
            for size in range(len(body), 9, -1)
            if size in ends and iso11649.is_valid(f"RF{check}{body[:size]}")
            for parsed in [_reference_body(f"RF{check}{body[:size]}")]
            if parsed
        ]
        if exact:
            found.append((exact, False))
            continue
        candidates = {
            parsed
            for size in range(min(len(body), 16), 9, -1)
            if size in ends
            for candidate in _corrections(body[:size])
            if iso11649.is_valid(f"RF{check}{candidate}")
            for parsed in [_reference_body(f"RF{check}{candidate}")]
            if parsed
        }
        if candidates:
            found.append((sorted(candidates), True))
    return found


def _body_and_word_ends(text: str, start: int, end: int) -> tuple[str, set[int]]:
    """The reference body's digits between ``start`` and ``end`` of ``text``, and the lengths at which a
    prefix of them ends a word of the text (« RF46 2026 0001 23 OP0001 »: 10, not 11 with the O of OP)."""
    digits: list[str] = []
    ends: set[int] = set()
    for position in range(start, end):
        char = text[position]
        if char.isalnum():
            digits.append(char.translate(_AS_DIGIT))
            if position + 1 >= len(text) or not text[position + 1].isalnum():
                ends.add(len(digits))
    return "".join(digits), ends


def _corrections(body: str) -> Iterable[str]:
    for i, digit in enumerate(body):
        for replacement in "0123456789":
            if replacement != digit:
                yield body[:i] + replacement + body[i + 1 :]
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            yield body[:i] + body[i + 1] + body[i] + body[i + 2 :]


def found_invoices(text: str) -> list[tuple[int, int]]:
    """(year, rank) of each invoice number written in ``text``, however separated or OCR-mangled."""
    found = []
    for match in _INVOICE.finditer(text.upper()):
        year, rank = _digits(match.group(1)), _digits(match.group(2))
        if year.isdigit() and rank.isdigit() and int(rank) > 0:
            found.append((int(year), int(rank)))
    return found


def invoice_key(number: str) -> tuple[int, int] | None:
    found = found_invoices(number)
    return found[0] if found else None


# -- names ----------------------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A payer's or an organisation's name as compared: folded, without its legal form (French ones by
    ``grappe.france``, which leaves an ambiguous « SCOP » in place, then any form word of the linkage's
    vocabulary at either end: « SCOP », « GmbH », « Ltd »)."""
    words = strip_legal_form(fold(name)).split()
    while len(words) > 1 and words[0] in LEGAL_FORM_WORDS:
        words.pop(0)
    while len(words) > 1 and words[-1] in LEGAL_FORM_WORDS:
        words.pop()
    return " ".join(words)


def _prefix_of(wanted: str, known: str) -> bool:
    """A name cut at 35 characters: compared without spaces, as the cut may fall inside « l'Ondaine »."""
    return known.replace(" ", "").startswith(wanted.replace(" ", ""))


def names_agree(counterparty: str, organisation_name: str) -> bool:
    wanted, known = name_key(counterparty), name_key(organisation_name)
    if len(wanted) < SHORTEST_NAME or not known:
        return False
    if wanted == known:
        return True
    if len(counterparty.strip()) >= TRUNCATED_AT - 1 and _prefix_of(wanted, known):
        return True
    return _similar(wanted, known)


def _similar(left: str, right: str) -> bool:
    # The quick upper bounds first: most pairs fail them, at a fraction of the cost of the ratio.
    matcher = SequenceMatcher(None, left, right)
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and matcher.ratio() >= NAME_SIMILARITY
    )


class _NameIndex:
    """Organisations by name key, found by equality, by prefix (truncated names) or by near spelling."""

    def __init__(self, names: dict[int, str]) -> None:
        self.by_key: dict[str, set[int]] = defaultdict(set)
        for organisation_id, name in names.items():
            key = name_key(name)
            if key:
                self.by_key[key].add(organisation_id)
        self.keys = sorted(self.by_key)
        self.compact = sorted((key.replace(" ", ""), key) for key in self.by_key)

    def find(self, counterparty: str) -> set[int]:
        wanted = name_key(counterparty)
        if len(wanted) < SHORTEST_NAME:
            return set()
        if wanted in self.by_key:
            return set(self.by_key[wanted])
        if len(counterparty.strip()) >= TRUNCATED_AT - 1:
            compact = wanted.replace(" ", "")
            start = bisect.bisect_left(self.compact, (compact, ""))
            found: set[int] = set()
            for spaceless, key in self.compact[start:]:
                if not spaceless.startswith(compact):
                    break
                found |= self.by_key[key]
            if found:
                return found
        # Near spellings: only among keys sharing the first word, to stay linear in practice.
        first = wanted.split(" ", 1)[0]
        start = bisect.bisect_left(self.keys, first)
        near: set[int] = set()
        for key in self.keys[start:]:
            if not key.startswith(first):
                break
            if _similar(wanted, key):
                near |= self.by_key[key]
        return near


# -- deciding -------------------------------------------------------------------------------------------------


@dataclass
class _Book:
    """The open dues and what each still owes, updated as lines are matched."""

    dues: dict[int, OpenDue]
    left: dict[int, int] = field(default_factory=dict)
    by_reference: dict[tuple[int, int], int] = field(default_factory=dict)
    by_invoice: dict[tuple[int, int], int] = field(default_factory=dict)
    invoice_of: dict[int, tuple[int, int]] = field(default_factory=dict)
    by_organisation: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, dues: Iterable[OpenDue]) -> _Book:
        book = cls({due.id: due for due in dues})
        for due in book.dues.values():
            book.left[due.id] = max(due.outstanding, 0)
            book.by_reference[(due.year, due.id)] = due.id
            key = invoice_key(due.invoice_number) if due.invoice_number else None
            if key:
                book.by_invoice[key] = due.id
                book.invoice_of[due.id] = key
            book.by_organisation[due.organisation_id].append(due.id)
        return book

    def open_of(self, organisation_id: int) -> list[int]:
        return [pk for pk in self.by_organisation.get(organisation_id, []) if self.left[pk] > 0]

    def shares(self, due_ids: Sequence[int], cents: int) -> tuple[Share, ...]:
        """Split ``cents`` over the dues in order, each at most its balance."""
        shares, rest = [], cents
        for pk in due_ids:
            part = min(self.left[pk], rest)
            if part > 0:
                shares.append(Share(pk, self.dues[pk].organisation_id, part))
                rest -= part
        return tuple(shares)

    def typo_twin(self, due_id: int) -> bool:
        """Whether an invoice one typo away from ``due_id``'s (a digit changed, two neighbours swapped, the
        year's included) belongs to a due owing the same: then a payer who mistyped that one would have
        written this one with the same amount, and the amount cannot tell the two apart."""
        year, rank = self.invoice_of[due_id]
        owed = {self.left[due_id], self.dues[due_id].outstanding}
        for variant in _corrections(f"{year:04d}{rank:05d}"):
            other = self.by_invoice.get((int(variant[:4]), int(variant[4:])))
            if other not in (None, due_id) and (
                self.left[other] in owed or self.dues[other].outstanding in owed
            ):
                return True
        return False

    def take(self, shares: Iterable[Share]) -> None:
        for share in shares:
            self.left[share.due_id] -= share.cents


def reconcile(lines: Sequence[Line], dues: Iterable[OpenDue]) -> list[Decision]:
    """Decide every line, in order; dues matched by an earlier line owe less to the next ones."""
    book = _Book.of(dues)
    names = _NameIndex({due.organisation_id: due.organisation_name for due in book.dues.values()})
    decisions = []
    for line in lines:
        decision = _decide(line, book, names)
        if decision.matched:
            book.take(decision.shares)
        decisions.append(decision)
    return decisions


def _referenced(line: Line, book: _Book) -> tuple[list[int], list[str], set[int]]:
    """Dues the line's text names: (exact ones in order, evidence, dues named only by a near invoice)."""
    exact: list[int] = []
    evidence: list[str] = []
    near: set[int] = set()
    for readings, corrected in found_references(line.text):
        known = [book.by_reference[key] for key in readings if key in book.by_reference]
        if len(known) > 1:  # two corrections both name a due: a coin toss, for a person to settle
            near |= set(known)
        elif known and known[0] not in exact:
            exact.append(known[0])
            evidence.append("reference.corrected" if corrected else "reference.exact")
    for key in found_invoices(line.text):
        due_id = book.by_invoice.get(key)
        if due_id is not None:
            if due_id not in exact:
                exact.append(due_id)
                evidence.append("invoice.exact")
            continue
        near |= {
            pk
            for (year, rank), pk in book.by_invoice.items()
            if year == key[0] and _one_digit_apart(rank, key[1])
        }
    return exact, evidence, near


def _one_digit_apart(a: int, b: int) -> bool:
    left, right = f"{a:05d}", f"{b:05d}"
    return sum(x != y for x, y in zip(left, right, strict=True)) == 1


def _decide(line: Line, book: _Book, names: _NameIndex) -> Decision:
    if line.amount <= 0:
        return Decision(line.key, False, reason="not_a_credit")
    exact, evidence, near = _referenced(line, book)
    payers = names.find(line.counterparty) if line.counterparty else set()
    if exact:
        decision = _by_reference(line, book, exact, evidence, payers)
        if not decision.matched and payers and evidence == ["invoice.exact"]:
            return _typo_of_named(line, book, payers) or decision
        return decision
    if near:
        named = [pk for pk in sorted(near) if book.dues[pk].organisation_id in payers]
        if len(named) == 1 and book.left[named[0]] > 0:
            return _settle(line, book, named, ["invoice.near", "name.agrees"], sure=True)
        return Decision(
            line.key, False, evidence=("invoice.near",), reason="near", candidates=tuple(sorted(near))
        )
    return _by_name(line, book, payers)


def _typo_of_named(line: Line, book: _Book, payers: set[int]) -> Decision | None:
    """A lone invoice number naming a due the line cannot pay (settled already, another member's while the
    payer's name says otherwise, another amount) may be the payer's own invoice mistyped: settled when
    exactly one open due of the named payer has an invoice one typo away, the name and the number agreeing."""
    invoices = found_invoices(line.text)
    if len(invoices) != 1 or found_references(line.text):
        return None
    year, rank = invoices[0]
    own = {
        pk
        for variant in _corrections(f"{year:04d}{rank:05d}")
        for pk in [book.by_invoice.get((int(variant[:4]), int(variant[4:])))]
        if pk is not None and book.dues[pk].organisation_id in payers and book.left[pk] > 0
    }
    if len(own) != 1:
        return None
    decision = _settle(line, book, sorted(own), ["invoice.near", "name.agrees"], sure=True)
    return decision if decision.matched else None


def _years(text: str) -> set[int]:
    """The years written alone in a text without any reference (« COTISATION 2026 »): a year inside an
    unreadable invoice number or reference may be the very digit mistyped, so such texts give none."""
    upper = text.upper()
    if _INVOICE.search(upper) or _RF.search(upper):
        return set()
    return {int(year) for year in _YEAR.findall(text)}


def _settle(line: Line, book: _Book, due_ids: list[int], evidence: list[str], *, sure: bool) -> Decision:
    owed = sum(book.left[pk] for pk in due_ids)
    shares = book.shares(due_ids, line.amount)
    if line.amount == owed:
        evidence.append("amount.exact")
    elif line.amount < owed:
        evidence.append("amount.partial")
    else:
        return Decision(line.key, False, shares, (*evidence, "amount.over"), "overpaid", tuple(due_ids))
    return Decision(line.key, sure, shares, tuple(evidence), "" if sure else "unsure", tuple(due_ids))


def _by_reference(
    line: Line, book: _Book, exact: list[int], evidence: list[str], payers: set[int]
) -> Decision:
    found = [(pk, code) for pk, code in zip(exact, evidence, strict=True) if book.left[pk] > 0]
    open_ids = [pk for pk, _code in found]
    if not open_ids:
        return Decision(
            line.key, False, evidence=tuple(evidence), reason="already_paid", candidates=tuple(exact)
        )
    organisations = {book.dues[pk].organisation_id for pk in open_ids}
    name_says = (
        "name.agrees" if organisations & payers else ("name.differs" if line.counterparty else "name.none")
    )
    owed = sum(book.left[pk] for pk in open_ids)
    if line.amount == owed:
        # Every reference must stand on its own: the amount confirms them together, never one against
        # another (« RF… of A, FAC… of B » under A's name says nothing of B's invoice number).
        confirmations = _confirmations(found, book, payers)
        sure = confirmations is not None
        extra = confirmations or []
    else:  # a partial payment: one payer, by its checked reference or by its name agreeing with it
        checked = all(code == "reference.exact" for _pk, code in found)
        sure = len(organisations) == 1 and (checked or name_says == "name.agrees")
        extra = []
    return _settle(line, book, open_ids, [*evidence, name_says, *extra], sure=sure)


def _confirmations(found: list[tuple[int, str]], book: _Book, payers: set[int]) -> list[str] | None:
    """What confirms each reference of a line paying exactly what they owe, or None if one stands alone.

    - a creditor reference read as printed is checked by its two digits;
    - one corrected by them names the only due a single typo can reach: it stands unless the payer's name
      designates another member;
    - an invoice number has no check digit, and a mistyped one often names another member's invoice of the
      same fee (members of a bracket pay the same): it stands when the payer's name designates its member,
      when a checked reference of the line is its member's (two years paid at once), or, under no member's
      name, when no invoice one typo away owes the same amount (the amount then tells the number's typo
      apart: the benchmark's only wrong matches were numbers transposed into another invoice of the fee).
    """
    checked = {book.dues[pk].organisation_id for pk, code in found if code == "reference.exact"}
    confirmations: set[str] = set()
    for pk, code in found:
        member = book.dues[pk].organisation_id
        if code == "reference.exact" or member in payers:
            continue
        if code == "reference.corrected":
            if payers:  # another member's name: the correction may be the wrong one
                return None
        elif member in checked:
            confirmations.add("invoice.same_member")
        elif not payers and not book.typo_twin(pk):
            confirmations.add("invoice.no_twin")
        else:
            return None
    return sorted(confirmations)


def _by_name(line: Line, book: _Book, payers: set[int]) -> Decision:
    with_dues = [pk for pk in sorted(payers) if book.open_of(pk)]
    if not with_dues:
        same_amount = tuple(pk for pk, left in book.left.items() if left == line.amount)[:SHOWN_CANDIDATES]
        return Decision(line.key, False, reason="no_reference", candidates=same_amount)
    if len(with_dues) == 1:
        open_ids = book.open_of(with_dues[0])
        if line.amount == sum(book.left[pk] for pk in open_ids):  # its only due, or all of them at once
            return _settle(line, book, open_ids, ["name.agrees"], sure=True)
    named = [pk for organisation in with_dues for pk in book.open_of(organisation)]
    # The name narrows the dues to its member's (or namesakes'); the amount picks one of them only when
    # exactly one owes it and the line cannot be part of a larger one (an older year's 75 € is also half of
    # this year's 150 €): both must agree, and nothing else must fit.
    equal = [pk for pk in named if book.left[pk] == line.amount]
    if len(equal) == 1 and all(book.left[pk] < line.amount for pk in named if pk != equal[0]):
        return _settle(line, book, equal, ["name.agrees", "amount.unique"], sure=True)
    # « COTISATION 2026 »: the year the payer wrote picks its due of that year, if it owes exactly that.
    years = _years(line.text)
    of_year = [pk for pk in named if book.dues[pk].year in years]
    if len(years) == 1 and len(of_year) == 1 and book.left[of_year[0]] == line.amount:
        return _settle(line, book, of_year, ["name.agrees", "year.agrees"], sure=True)
    if len(with_dues) > 1:
        return Decision(line.key, False, reason="several_payers", candidates=tuple(named[:SHOWN_CANDIDATES]))
    # Named payer, no reference, an amount matching none of its dues: propose, oldest first, never decide.
    return _settle(line, book, named, ["name.agrees"], sure=False)
