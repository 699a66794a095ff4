"""Read a bank statement: CAMT.053 (ISO 20022 XML) or a French bank's CSV export, into plain lines.

Nothing here touches the database: a file is read whole and checked before anything is written, so a bad file
raises ``StatementError`` naming the line (CSV) or the element and its line (XML), and has changed nothing.

Checked on real files written by others (``tests/finance/data/real/``): a line names the counterparty of the
operation (for a returned direct debit, its debtor, not the association as creditor), its remittance information
as given (unstructured lines, structured references, else the bank's text on the transaction), and other ISO
20022 messages (camt.052, camt.054) or a zipped file are refused saying what they are.

XML is parsed with expat directly, refusing any document type declaration: no entity is ever defined, so none
can be expanded (billion laughs) or fetched (external entities). A CAMT.053 file never needs one.

The CSV export of French banks: ``;`` separator, comma decimals (``1 200,50``), dates ``dd/mm/yyyy``, cp1252 or
UTF-8 (the encoding is chosen by the import's own policy, ``grappe.intake.formats.text``), a few lines of
account details above the header row, and either « Débit » / « Crédit » columns or one signed « Montant ».
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.parsers import expat

from grappe.errors import Location, UserError
from grappe.france.amounts import check_amount
from grappe.france.dates import check_date
from grappe.france.text import clean_text, fold
from grappe.intake.formats.base import ReadError
from grappe.intake.formats.text import choose_encoding, scan_file

_FORMATS_HINT = (
    "Déposez le relevé du compte au format CAMT.053 (XML) ou l'export CSV des opérations, tel que la banque "
    "le fournit."
)
# Other ISO 20022 cash-management messages a bank also sends, which are not end-of-day statements.
_OTHER_MESSAGES = {
    "BkToCstmrAcctRpt": "un relevé intrajournalier (camt.052",
    "BkToCstmrDbtCdtNtfctn": "un avis de débit ou de crédit (camt.054",
}
CAMT = "camt053"
CSV = "csv"
# How far down a CSV export the header row may be (banks put the account, period and balances above it).
HEADER_SEARCH_LINES = 30
_CSV_FIELD_LIMIT = 100_000


class StatementError(UserError):
    code = "grappe.finance.statement"


@dataclass(frozen=True)
class StatementLine:
    """A movement on the account. ``amount`` is signed: a credit (money received) is positive."""

    position: int  # the line of the file where the movement is written (CSV row, or the XML entry's line)
    booked_on: datetime.date
    amount: Decimal
    counterparty: str = ""
    remittance: str = ""
    bank_reference: str = ""
    raw: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Statement:
    format: str
    account: str
    statement_id: str
    lines: tuple[StatementLine, ...]


def read_statement(path: Path, *, file_name: str) -> Statement:
    """The statement in ``path``: CAMT.053 when it is XML, else a CSV export."""
    with path.open("rb") as stream:
        head = stream.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        # Banks often hand CAMT files over zipped (one XML per account or day).
        raise StatementError(
            "ce fichier est une archive ZIP, pas un relevé.",
            location=Location(file=file_name),
            hint="Décompressez-la et déposez le relevé CAMT.053 (fichier XML) qu'elle contient, un à la fois.",
        )
    if head.startswith(b"<"):
        return read_camt(path.read_bytes(), file_name=file_name)
    return read_csv(path, file_name=file_name)


# -- CAMT.053 -------------------------------------------------------------------------------------------------


@dataclass
class _Node:
    tag: str  # local name, namespace dropped: CAMT.053 versions 001.02 to 001.13 share these names
    line: int
    attrs: dict[str, str]
    children: list[_Node] = field(default_factory=list)
    text: str = ""

    def find(self, *path: str) -> _Node | None:
        node: _Node | None = self
        for name in path:
            node = next((child for child in node.children if child.tag == name), None) if node else None
        return node

    def findall(self, name: str) -> list[_Node]:
        return [child for child in self.children if child.tag == name]

    def value(self, *path: str) -> str:
        node = self.find(*path)
        return clean_text(node.text) if node else ""


def _parse_xml(data: bytes, file_name: str) -> _Node:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Node] = []
    root: list[_Node] = []

    def refuse_doctype(*_args: object) -> None:
        raise StatementError(
            "ce fichier XML déclare un type de document (DOCTYPE) : un relevé CAMT.053 n'en a jamais, et il "
            "n'est pas lu par prudence.",
            location=Location(file=file_name, line=parser.CurrentLineNumber),
            hint="Exportez de nouveau le relevé au format CAMT.053 depuis votre banque.",
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        node = _Node(name.rsplit("}", 1)[-1], parser.CurrentLineNumber, attrs)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise StatementError(
            f"ce fichier XML est mal formé ({expat.ErrorString(error.code)}).",
            location=Location(file=file_name, line=error.lineno),
            hint="Exportez de nouveau le relevé depuis votre banque : le fichier est peut-être tronqué.",
        ) from None
    return root[0]


def _element_error(file_name: str, node: _Node, message: str) -> StatementError:
    return StatementError(
        message,
        location=Location(file=file_name, line=node.line, column=f"<{node.tag}>"),
        hint="Ce relevé ne suit pas la norme CAMT.053 ; exportez-le de nouveau depuis votre banque.",
    )


def read_camt(data: bytes, *, file_name: str) -> Statement:
    """A CAMT.053 statement (bank to customer statement); every ``Ntry`` (or each of its transactions when
    the bank booked several as one entry) becomes a line."""
    document = _parse_xml(data, file_name)
    report = document.find("BkToCstmrStmt")
    if document.tag != "Document" or report is None:
        raise _not_a_statement(document, file_name)
    statements = report.findall("Stmt")
    if not statements:
        raise _element_error(file_name, report, "ce relevé ne contient aucun <Stmt>.")
    lines: list[StatementLine] = []
    for statement in statements:
        for entry in statement.findall("Ntry"):
            lines.extend(_entry_lines(entry, file_name))
    first = statements[0]
    account = first.value("Acct", "Id", "IBAN") or first.value("Acct", "Id", "Othr", "Id")
    return Statement(CAMT, account.replace(" ", ""), first.value("Id"), tuple(lines))


def _not_a_statement(document: _Node, file_name: str) -> StatementError:
    message = next((child for child in document.children if child.tag in _OTHER_MESSAGES), None)
    if document.tag == "Document" and message is not None:
        return StatementError(
            f"ce fichier est {_OTHER_MESSAGES[message.tag]}, élément <{message.tag}>), pas un relevé de compte "
            "CAMT.053 : Grappe ne rapproche que les relevés, qui donnent toutes les opérations comptabilisées.",
            location=Location(file=file_name, line=message.line, column=f"<{message.tag}>"),
            hint="Demandez à votre banque le relevé de fin de journée au format CAMT.053 (BkToCstmrStmt).",
        )
    found = f"<{document.tag}>" + (f"<{document.children[0].tag}>" if document.children else "")
    return _element_error(
        file_name,
        document,
        f"ce fichier XML n'est pas un relevé CAMT.053 ({found} trouvé, <Document><BkToCstmrStmt> attendu).",
    )


def _amount(node: _Node | None, parent: _Node, file_name: str) -> Decimal:
    if node is None:
        raise _element_error(file_name, parent, "montant <Amt> manquant.")
    currency = node.attrs.get("Ccy", "EUR")
    if currency != "EUR":
        raise StatementError(
            f"montant en {currency} : seuls les comptes en euros sont rapprochés.",
            location=Location(file=file_name, line=node.line, column=f"<{node.tag}>"),
            hint="Déposez le relevé du compte en euros de l'association.",
        )
    text = clean_text(node.text)
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", text):
        raise _element_error(file_name, node, f"montant « {text[:30]} » illisible (ex. : 150.00).")
    return Decimal(text)


def _entry_date(entry: _Node, file_name: str) -> datetime.date:
    text = entry.value("BookgDt", "Dt") or entry.value("BookgDt", "DtTm")[:10] or entry.value("ValDt", "Dt")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise _element_error(
            file_name, entry.find("BookgDt") or entry, f"date de comptabilisation « {text} » illisible."
        ) from None


def _entry_lines(entry: _Node, file_name: str) -> Iterator[StatementLine]:
    sign = {"CRDT": 1, "DBIT": -1}.get(entry.value("CdtDbtInd"))
    if sign is None:
        raise _element_error(file_name, entry, "sens <CdtDbtInd> manquant ou inconnu (CRDT ou DBIT attendu).")
    booked_on = _entry_date(entry, file_name)
    total = _amount(entry.find("Amt"), entry, file_name)
    transactions = [tx for details in entry.findall("NtryDtls") for tx in details.findall("TxDtls")]
    amounts = [
        tx.find("AmtDtls", "TxAmt", "Amt") or tx.find("Amt") for tx in transactions if len(transactions) > 1
    ]
    # A batch booked as one entry is split into its transactions only when each says its own amount.
    parts: list[tuple[_Node | None, Decimal]]
    if len(transactions) > 1 and all(amounts):
        parts = [(tx, _amount(node, tx, file_name)) for tx, node in zip(transactions, amounts, strict=True)]
    else:
        parts = [(transactions[0] if transactions else None, total)]
    reversal = entry.value("RvslInd").lower() in ("true", "1")
    for tx, amount in parts:
        reference = entry.value("AcctSvcrRef")
        remittance: list[str] = []
        counterparty = ""
        raw = {"xml_line": str((tx or entry).line), "amount": str(amount), "sign": entry.value("CdtDbtInd")}
        if tx is not None:
            counterparty = _counterparty(
                tx, credit=sign > 0, returned=reversal or tx.find("RtrInf") is not None
            )
            remittance += _remittance(tx)
            end_to_end = tx.value("Refs", "EndToEndId")
            if end_to_end and end_to_end != "NOTPROVIDED":
                remittance.append(end_to_end)
            reference = tx.value("Refs", "AcctSvcrRef") or reference
            if tx.find("RtrInf") is not None:
                raw["return_reason"] = tx.value("RtrInf", "Rsn", "Cd") or tx.value("RtrInf", "Rsn", "Prtry")
        if reversal:
            raw["reversal"] = "true"
        remittance.append(entry.value("AddtlNtryInf"))
        yield StatementLine(
            position=(tx or entry).line,
            booked_on=booked_on,
            amount=sign * amount,
            counterparty=counterparty,
            remittance=" ".join(part for part in remittance if part),
            bank_reference=reference,
            raw=raw,
        )


def _party_name(tx: _Node, party: str) -> str:
    return tx.value("RltdPties", party, "Nm") or tx.value("RltdPties", party, "Pty", "Nm")


def _counterparty(tx: _Node, *, credit: bool, returned: bool) -> str:
    """Who paid us (a credit) or whom we paid (a debit). A return or reversal turns the original operation
    round: a direct debit we collected comes back as a debit whose counterparty is its debtor (the creditor
    named is the association itself). When the file names only the other side, that side it is."""
    own, other = ("Dbtr", "Cdtr") if credit != returned else ("Cdtr", "Dbtr")
    return _party_name(tx, own) or _party_name(tx, other)


def _remittance(tx: _Node) -> list[str]:
    """The transaction's remittance information as the file gives it: unstructured lines, structured
    references and their additional text; without any, the bank's additional information on it."""
    information = tx.find("RmtInf")
    parts: list[str] = []
    if information is not None:
        parts += [clean_text(node.text) for node in information.findall("Ustrd")]
        for structured in information.findall("Strd"):
            parts.append(structured.value("CdtrRefInf", "Ref"))
            parts += [clean_text(node.text) for node in structured.findall("AddtlRmtInf")]
    if not any(parts):
        parts.append(tx.value("AddtlTxInf"))
    return [part for part in parts if part]


# -- CSV ------------------------------------------------------------------------------------------------------

# Header (folded) → role. « Date valeur » is not the booking date: the booking date is what the bank lists.
_HEADERS = {
    "date": "date",
    "date operation": "date",
    "date d operation": "date",
    "date de l operation": "date",
    "date comptable": "date",
    "libelle": "label",
    "libelle operation": "label",
    "libelle de l operation": "label",
    "libelle simplifie": "label",
    "detail": "detail",
    "detail de l ecriture": "detail",
    "informations complementaires": "detail",
    "debit": "debit",
    "debit euros": "debit",
    "credit": "credit",
    "credit euros": "credit",
    "montant": "amount",
    "montant euros": "amount",
    "reference": "reference",
    "ref": "reference",
    "tiers": "counterparty",
    "beneficiaire donneur d ordre": "counterparty",
}
# Counterparty and purpose inside a French label: « VIR SEPA RECU /DE ACME SAS /MOTIF FAC-2026-00012 /REF … »
# or « VIR DE: ACME SAS MOTIF: … ». The slash or the colon is required: « DE » alone is a word of many names
# (« ATELIER DE LA LOIRE »).
_SLASHED_PARTS = re.compile(r"\s*/(DE|MOTIF|REF|REFDO|LIB)\b:?\s*")
_COLON_PARTS = re.compile(r"\s*\b(DE|MOTIF|REF|REFDO|LIB)\s*:\s*")


def _decoded(path: Path, file_name: str) -> str:
    try:
        encoding = choose_encoding(path, scan_file(path), file_name=file_name)
    except ReadError as error:
        # The intake's hint speaks of a members' list: say what a statement should be instead.
        raise StatementError(
            error.message.split(" Exportez")[0], location=error.location, hint=_FORMATS_HINT
        ) from None
    return path.read_bytes().decode(encoding)


def _header(rows: list[list[str]], file_name: str) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_LINES]):
        roles: dict[str, int] = {}
        for column, cell in enumerate(row):
            role = _HEADERS.get(fold(cell).replace("€", "").strip())
            if role and role not in roles:
                roles[role] = column
        if "date" in roles and "label" in roles and ({"debit", "credit"} <= set(roles) or "amount" in roles):
            return index, roles
    raise StatementError(
        "ligne d'en-tête introuvable : des colonnes « Date opération », « Libellé » et « Débit » / « Crédit » "
        "(ou « Montant ») sont attendues, séparées par des points-virgules.",
        location=Location(file=file_name),
        hint="Exportez les opérations du compte au format CSV depuis votre banque, sans les modifier.",
    )


def _split_label(label: str) -> tuple[str, str]:
    """(counterparty, purpose) from a French label; ("", label) when it names no counterparty."""
    parts = (_SLASHED_PARTS if _SLASHED_PARTS.search(label) else _COLON_PARTS).split(label)
    if len(parts) < 3:
        return "", label
    named = {parts[i].upper(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    rest = [parts[0].strip(), named.get("MOTIF", ""), named.get("LIB", ""), named.get("REF", "")]
    return named.get("DE", ""), " ".join(part for part in rest if part)


def _csv_amount(text: str, *, line: int, column: str, file_name: str) -> Decimal | None:
    text = clean_text(text)
    if not text:
        return None
    negative = text.startswith(("-", "−"))
    checked = check_amount(text.lstrip("-−+ "))
    if checked.value is None:
        message = checked.problem.render() if checked.problem else "montant illisible"
        raise StatementError(
            message,
            location=Location(file=file_name, line=line, column=column),
            hint="Corrigez la cellule ou exportez de nouveau le relevé.",
        )
    return -checked.value if negative else checked.value


def read_csv(path: Path, *, file_name: str) -> Statement:
    text = _decoded(path, file_name)
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    except csv.Error as error:
        raise StatementError(
            f"CSV illisible ({error}).",
            location=Location(file=file_name),
            hint="Exportez de nouveau le relevé au format CSV (séparateur point-virgule).",
        ) from None
    start, roles = _header(rows, file_name)
    headers = rows[start]
    lines = []
    for index, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(cell.strip() for cell in row):
            continue
        lines.append(_csv_line(row, index, headers, roles, file_name))
    return Statement(CSV, "", "", tuple(lines))


def _csv_line(
    row: list[str], line: int, headers: list[str], roles: dict[str, int], file_name: str
) -> StatementLine:
    def cell(role: str) -> str:
        column = roles.get(role)
        return clean_text(row[column]) if column is not None and column < len(row) else ""

    date_text = cell("date")
    checked = check_date(date_text)
    if checked.value is None:
        raise StatementError(
            f"date d'opération « {date_text[:30]} » illisible (jj/mm/aaaa attendu).",
            location=Location(file=file_name, line=line, column=headers[roles["date"]]),
            hint="Corrigez la cellule ou exportez de nouveau le relevé.",
        )
    if "amount" in roles:
        amount = _csv_amount(cell("amount"), line=line, column=headers[roles["amount"]], file_name=file_name)
    else:
        credit = _csv_amount(cell("credit"), line=line, column=headers[roles["credit"]], file_name=file_name)
        debit = _csv_amount(cell("debit"), line=line, column=headers[roles["debit"]], file_name=file_name)
        if credit and debit:
            raise StatementError(
                "la ligne a un débit et un crédit : une seule des deux colonnes est attendue.",
                location=Location(file=file_name, line=line),
            )
        amount = credit if credit else (-abs(debit) if debit else None)
    if not amount:
        raise StatementError(
            "la ligne n'a pas de montant.",
            location=Location(file=file_name, line=line),
            hint="Chaque opération a un débit ou un crédit ; supprimez les lignes de totaux ajoutées à la main.",
        )
    label = " ".join(part for part in (cell("label"), cell("detail")) if part)
    counterparty, purpose = _split_label(label)
    return StatementLine(
        position=line,
        booked_on=checked.value,
        amount=amount,
        counterparty=cell("counterparty") or counterparty,
        remittance=purpose,
        bank_reference=cell("reference"),
        raw={header: (row[i] if i < len(row) else "") for i, header in enumerate(headers) if header},
    )
