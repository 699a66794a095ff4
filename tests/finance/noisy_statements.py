"""A noisy bank statement generator, for the reconciliation tests and ``benchmarks/finance/reconcile.py``.

It writes the transfers a federation's account receives for its dues, with the noise real statements carry,
and remembers the truth (which dues each line pays) to measure the matcher against. The noise it models, with
the default share of payments it affects (each drawn independently per payment):

- payer names as banks write them: upper case, accents dropped (``NAME_UPPER_ASCII``), cut at 35 characters,
  a legal form added or dropped (``LEGAL_FORM_NOISE``); a foreign payer or a parent company paying under its
  own name (``OTHER_PAYER``), or no name at all (``NO_NAME``);
- references: the due's creditor reference RF… (``RF_SHARE``) or the invoice number written loosely
  (``INVOICE_SHARE``: missing or changed separators, no zero padding, lower case, ``O`` for ``0`` and ``l`` for
  ``1``); one digit mistyped or two swapped (``MISTYPED``); no reference, a free text instead (``MISSING``);
- one transfer paying several dues (``GROUPED``: two years of one member, or a parent paying its
  subsidiaries), a partial payment (``PARTIAL``: half, a third, or the amount less foreign bank charges);
- lines that pay no due (``UNRELATED``): subsidies, event tickets, refunds (credits), and salaries, rent,
  card payments (debits).

It shares the matcher's assumptions (it was written by the same people): the references are our own formats, the
names our own members'. Real statements will hold noise it does not imagine; the README says so.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from grappe.finance.matching import OpenDue, due_reference

NAME_UPPER_ASCII = 0.7
LEGAL_FORM_NOISE = 0.3
OTHER_PAYER = 0.04
NO_NAME = 0.02
RF_SHARE = 0.55  # of the payments carrying a reference; the others carry the invoice number
MISTYPED = 0.06
MISSING = 0.10
GROUPED = 0.06
PARTIAL = 0.06
UNRELATED = 0.15  # extra lines, as a share of the payments
NAMESAKES = 0.01  # members named like another but for the legal form

_WORDS = [
    "Atelier",
    "Numérique",
    "Solutions",
    "Conseil",
    "Ingénierie",
    "Logiciels",
    "Données",
    "Réseaux",
    "Systèmes",
    "Cloud",
    "Web",
    "Studio",
    "Informatique",
    "Électronique",
    "Automatismes",
    "Robotique",
    "Services",
    "Développement",
    "Innovation",
    "Technologies",
    "Digital",
    "Formation",
    "Éditions",
    "Laboratoire",
    "Institut",
    "Communication",
    "Sécurité",
    "Énergie",
    "Mécanique",
    "Optique",
    "Capteurs",
]
_PLACES = [
    "du Forez",
    "du Velay",
    "d'Auvergne",
    "de la Loire",
    "du Pilat",
    "de Roanne",
    "de Saint-Étienne",
    "de Clermont",
    "des Volcans",
    "du Livradois",
    "de l'Ondaine",
    "du Gier",
    "de Montbrison",
    "d'Yssingeaux",
    "du Puy-en-Velay",
]
_FORMS = ("SAS", "SARL", "SA", "SASU", "EURL", "SCOP")
_FOREIGN = ("GMBH", "LTD", "SRL", "BV", "AG", "SPA")
_UNRELATED_CREDITS = (
    ("REGION AUVERGNE RHONE ALPES", "SUBVENTION PROGRAMME ACTIONS 2026"),
    ("HELLOASSO", "BILLETTERIE RENCONTRES NUMERIQUES"),
    ("BPIFRANCE", "AVANCE REMBOURSABLE"),
    ("URSSAF", "REMBOURSEMENT TROP PERCU"),
    ("DEPARTEMENT DE LA LOIRE", "SUBVENTION EVENEMENT"),
)
_UNRELATED_DEBITS = (
    ("SALAIRES", "VIREMENT SALAIRES"),
    ("SCI DU FOREZ", "LOYER BUREAUX"),
    ("CB ORANGE", "PRLV ABONNEMENT"),
    ("TRAITEUR DU PILAT", "FACTURE EVENEMENT"),
)


def company_names(count: int, rng: random.Random) -> list[str]:
    """``count`` member names, some longer than 35 characters, some one letter apart (« Conseil » /
    « Conseils »). Two members whose names differ only by a legal form are rare in a deduplicated registry:
    ``NAMESAKES`` of them are let through on purpose, the other such draws are redrawn."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        words = rng.sample(_WORDS, rng.choice((1, 2, 2, 3)))
        core = " ".join(words) + " " + rng.choice(_PLACES)
        if rng.random() < 0.1:
            core = core.replace(words[0], words[0] + "s", 1)  # « Conseil » / « Conseils »
        key = _ascii(core).lower()
        if key in seen and rng.random() >= NAMESAKES:
            continue
        seen.add(key)
        names.append(core + " " + rng.choice(_FORMS) if rng.random() < 0.5 else core)
    return names


@dataclass(frozen=True)
class Generated:
    booked_on: datetime.date
    amount: int  # cents, signed
    counterparty: str
    remittance: str
    truth: dict[int, int] | None  # due id → cents it pays; None: a line paying no due
    noise: tuple[str, ...] = field(default=())


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _bank_name(name: str, rng: random.Random, noise: list[str]) -> str:
    if rng.random() < NAME_UPPER_ASCII:
        name = _ascii(name).upper()
    if rng.random() < LEGAL_FORM_NOISE:
        words = name.split()
        if words[-1].upper() in _FORMS:
            name = " ".join(words[:-1])
        else:
            name = f"{rng.choice(_FORMS)} {name}" if rng.random() < 0.5 else f"{name} {rng.choice(_FORMS)}"
        noise.append("legal_form")
    if len(name) > 35:
        noise.append("truncated")
    return name[:35]


def _invoice_text(number: str, rng: random.Random) -> str:
    year, rank = number.split("-")[1:]
    style = rng.randrange(6)
    if style == 0:
        return number
    if style == 1:
        return f"FAC {year} {rank}"
    if style == 2:
        return f"FAC{year}{rank}"
    if style == 3:
        return f"fact {year}-{int(rank)}"
    if style == 4:
        return f"FACTURE N° {year}/{rank}"
    return number.replace("0", "O", 1).replace("1", "l", 1)  # letters for digits, as typed or scanned


def _mistype(text: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    i = rng.choice(digits[2:] or digits)
    if rng.random() < 0.5 and i + 1 < len(text) and text[i + 1].isdigit() and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]


def _reference(due: OpenDue, rng: random.Random, noise: list[str]) -> str:
    if due.invoice_number and rng.random() >= RF_SHARE:
        text = _invoice_text(due.invoice_number, rng)
        noise.append("invoice")
    else:
        text = due_reference(due.year, due.id)
        if rng.random() < 0.3:
            text = text.replace(" ", "")
        noise.append("rf")
    if rng.random() < MISTYPED:
        text = _mistype(text, rng)
        noise.append("mistyped")
    return text


def statement(
    dues: list[OpenDue], *, seed: int = 1, start: datetime.date = datetime.date(2026, 3, 2), days: int = 90
) -> list[Generated]:
    """Lines paying ``dues`` (each due paid at most once, in whole or in part) with the noise above, and
    unrelated lines, in booking order."""
    rng = random.Random(seed)
    by_organisation: dict[int, list[OpenDue]] = {}
    for due in dues:
        by_organisation.setdefault(due.organisation_id, []).append(due)
    names = {due.organisation_id: due.organisation_name for due in dues}
    organisations = list(by_organisation)
    rng.shuffle(organisations)
    lines: list[Generated] = []
    queue = list(organisations)
    while queue:
        organisation = queue.pop()
        noise: list[str] = []
        paid = list(by_organisation[organisation])
        payer_name = names[organisation]
        if rng.random() < GROUPED and queue:
            if len(paid) == 1 and rng.random() < 0.7:  # a parent paying for two or three subsidiaries
                for _ in range(rng.choice((1, 2))):
                    if queue:
                        paid += by_organisation[queue.pop()]
                payer_name = "Groupe " + rng.choice(_WORDS) + " Holding"
            noise.append("grouped")
        else:
            paid = paid[-1:]  # the year's due; an older one stays unpaid
        amounts = {due.id: due.outstanding for due in paid}
        if len(paid) == 1 and rng.random() < PARTIAL:
            due = paid[0]
            part = rng.choice(
                (due.outstanding // 2, due.outstanding // 3, due.outstanding - rng.randint(500, 1500))
            )
            amounts = {due.id: max(part, 100)}
            noise.append("partial")
        if rng.random() < MISSING:
            remittance = rng.choice(("COTISATION", f"COTISATION {paid[0].year}", "ADHESION", ""))
            noise.append("missing_reference")
        else:
            remittance = " ".join(_reference(due, rng, noise) for due in paid)
        if payer_name == names[organisation] and rng.random() < OTHER_PAYER:
            payer_name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_FOREIGN)}"
            noise.append("other_payer")
        counterparty = "" if rng.random() < NO_NAME else _bank_name(payer_name, rng, noise)
        if not counterparty:
            noise.append("no_name")
        booked_on = start + datetime.timedelta(days=rng.randrange(days))
        lines.append(
            Generated(booked_on, sum(amounts.values()), counterparty, remittance, amounts, tuple(noise))
        )
    for _ in range(int(len(organisations) * UNRELATED)):
        booked_on = start + datetime.timedelta(days=rng.randrange(days))
        if rng.random() < 0.5:
            who, what = rng.choice(_UNRELATED_CREDITS)
            lines.append(Generated(booked_on, rng.randint(50, 5000) * 100, who, what, None, ("unrelated",)))
        else:
            who, what = rng.choice(_UNRELATED_DEBITS)
            lines.append(Generated(booked_on, -rng.randint(50, 5000) * 100, who, what, None, ("debit",)))
    lines.sort(key=lambda line: line.booked_on)
    return lines


def _euros(cents: int) -> str:
    return str(Decimal(abs(cents)) / 100)


def _french(cents: int) -> str:
    return f"{Decimal(abs(cents)) / 100:.2f}".replace(".", ",")


def as_csv(lines: list[Generated], *, encoding: str = "cp1252", first: int = 1) -> bytes:
    """A French bank's export: account details, then « Date opération;Libellé;Débit;Crédit;Référence ».
    The bank numbers its operations from ``first`` (an export starting later in the account's history)."""
    rows = ["Compte courant n° 00012345678;;;;", "Période du 01/03/2026 au 31/05/2026;;;;", ";;;;"]
    rows.append("Date opération;Libellé;Débit;Crédit;Référence")
    for n, line in enumerate(lines, first):
        label = f"VIR SEPA RECU /DE {line.counterparty} /MOTIF {line.remittance}".replace(";", ",")
        if line.amount < 0:
            label = f"{line.counterparty} {line.remittance}"
        debit = _french(line.amount) if line.amount < 0 else ""
        credit = _french(line.amount) if line.amount > 0 else ""
        rows.append(f"{line.booked_on:%d/%m/%Y};{label};{debit};{credit};OP{n:08d}")
    return ("\r\n".join(rows) + "\r\n").encode(encoding, errors="replace")


def as_camt(lines: list[Generated], *, statement_id: str = "STMT-2026-1") -> bytes:
    """A CAMT.053.001.08 statement with one entry per line."""
    entries = []
    for n, line in enumerate(lines, 1):
        party = "Dbtr" if line.amount > 0 else "Cdtr"
        entries.append(
            f"""<Ntry><Amt Ccy="EUR">{_euros(line.amount)}</Amt><CdtDbtInd>{"CRDT" if line.amount > 0 else "DBIT"}</CdtDbtInd>
<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{line.booked_on.isoformat()}</Dt></BookgDt><AcctSvcrRef>OP{n:08d}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><{party}><Nm>{escape(line.counterparty)}</Nm></{party}></RltdPties>
<RmtInf><Ustrd>{escape(line.remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        )
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-06-01T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
{body}
</Stmt></BkToCstmrStmt></Document>
""".encode()


def open_dues(count: int, *, seed: int = 1, first_id: int = 1, year: int = 2026) -> list[OpenDue]:
    """``count`` members' dues for ``year`` (one in eight also owing last year's), half with an invoice."""
    rng = random.Random(seed)
    dues: list[OpenDue] = []
    due_id = first_id
    ranks = {year - 1: 0, year: 0}
    for organisation, name in enumerate(company_names(count, rng), 1):
        years = (year - 1, year) if rng.random() < 0.125 else (year,)
        for y in years:
            amount = rng.choice((15000, 40000, 120000, 30000, 50000, 7500))
            invoice = ""
            if rng.random() < 0.5:
                ranks[y] += 1
                invoice = f"FAC-{y}-{ranks[y]:05d}"
            dues.append(OpenDue(due_id, organisation, name, y, amount, invoice))
            due_id += 1
    return dues
