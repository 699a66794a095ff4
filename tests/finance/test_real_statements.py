"""The statement reader on real CAMT files written by others (tests/finance/data/real/README.md says where each
comes from): every entry read with its amount, date, counterparty and remittance information as the file gives
them, or a clear, located refusal for what Grappe does not reconcile; never a crash."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from grappe.finance.statements import CAMT, StatementError, read_camt, read_statement

REAL = Path(__file__).parent / "data" / "real"


def _read(name: str):
    return read_statement(REAL / name, file_name=name)


def _seen(statement) -> list[tuple[object, ...]]:
    return [(line.booked_on, line.amount, line.counterparty, line.remittance) for line in statement.lines]


def test_a_dutch_camt053_is_read_entry_by_entry_and_batch_by_transaction():
    statement = _read("oca-camt053.xml")

    assert (statement.format, statement.account, statement.statement_id) == (
        CAMT,
        "NL77ABNA0574908765",
        "1234Test/1",
    )
    day = datetime.date(2014, 1, 5)
    assert _seen(statement) == [
        (
            day,
            Decimal("-754.25"),
            "INSURANCE COMPANY TESTX",
            "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014 435005714488-ABNO33052620",
        ),
        # One reversed entry of 664.05 holding two returned direct debits, each with its own amount.
        (day, Decimal("-564.05"), "Test Customer", "Direct Debit S14 0410 TESTBANK/NL/20141229/01206408"),
        (day, Decimal("-100.00"), "Test Customer", "Direct Debit S14 0410 TESTBANK/NL/20141229/01206407"),
        # No remittance information: the bank's own text on the transaction is all there is (the customer
        # number a person would match by), then the end-to-end id.
        (day, Decimal("1405.31"), "3rd party Media", "#RD PARTY MEDIA CUSNO 90782 4210773 115"),
    ]
    assert sum(line.amount for line in statement.lines[1:3]) == Decimal("-664.05")
    assert statement.lines[1].raw["reversal"] == "true"
    # Each line points at its transaction in the file.
    assert [line.position for line in statement.lines] == [73, 144, 185, 251]


def test_a_returned_direct_debit_names_the_debtor_not_ourselves():
    statement = _read("oca-camt053-unpaid.xml")

    assert _seen(statement) == [
        (datetime.date(2016, 10, 8), Decimal("-100.00"), "DEBTOR4", "FACTURE DU 15.03.16 E2EID1")
    ]
    assert statement.lines[0].raw["return_reason"] == "AC06"


def test_a_statement_without_entries_reads_as_no_line():
    statement = _read("oca-camt053-no-entry.xml")

    assert statement.account == "NL77ABNA0574908765" and statement.lines == ()


def test_a_swiss_franc_statement_is_refused_where_its_first_amount_is():
    with pytest.raises(StatementError) as refused:
        _read("oca-camt053-txdtls-chf.xml")

    assert str(refused.value.location) == "oca-camt053-txdtls-chf.xml, ligne 55, colonne « <Amt> »"
    assert "montant en CHF : seuls les comptes en euros sont rapprochés" in str(refused.value)
    assert "compte en euros" in refused.value.hint


def test_the_swiss_layout_itself_reads_its_batch_and_structured_references():
    """The same file with its amounts in euros: the layout (amounts on ``TxDtls``, ISR references in
    ``Strd``, the batch's text on the entry) is read as any other."""
    data = (REAL / "oca-camt053-txdtls-chf.xml").read_bytes().replace(b'Ccy="CHF"', b'Ccy="EUR"')

    statement = read_camt(data, file_name="txdtls.xml")

    batch = "CRÉDIT GROUPÉ BVR TRAITEMENT DU 22.03.2017 NUMÉRO CLIENT 01-70884-3 PAQUET ID: 123456CHCAFEBABE"
    assert [(line.amount, line.counterparty) for line in statement.lines] == [
        (Decimal("2187.00"), "Banque Cantonale Vaudoise"),
        (Decimal("1296.00"), "Banque Cantonale Vaudoise"),
    ]
    assert statement.lines[0].remittance == f"302388292000011111111111111 ?REJECT?0 {batch}"
    assert statement.lines[1].remittance == f"302388292000022222222222222 ?REJECT?0 {batch}"
    assert all(line.booked_on == datetime.date(2017, 3, 22) for line in statement.lines)
    assert sum(line.amount for line in statement.lines) == Decimal("3483.00")


@pytest.mark.parametrize(
    ("name", "line", "what"),
    [
        ("oca-camt054.xml", 3, "un avis de débit ou de crédit (camt.054, élément <BkToCstmrDbtCdtNtfctn>)"),
        ("oca-camt054-unpaid.xml", 6, "un avis de débit ou de crédit (camt.054"),
    ],
)
def test_a_notification_is_refused_saying_what_it_is(name, line, what):
    with pytest.raises(StatementError) as refused:
        _read(name)

    assert refused.value.location.line == line
    assert what in refused.value.message and "pas un relevé de compte CAMT.053" in refused.value.message
    assert "CAMT.053" in refused.value.hint


def test_an_intraday_report_camt052_is_refused_saying_what_it_is():
    """No real camt.052 came with the packages: the real camt.053 turned into one, as banks write them."""
    data = (
        (REAL / "oca-camt053.xml")
        .read_bytes()
        .replace(b"camt.053.001.02", b"camt.052.001.02")
        .replace(b"BkToCstmrStmt>", b"BkToCstmrAcctRpt>")
        .replace(b"<Stmt>", b"<Rpt>")
        .replace(b"</Stmt>", b"</Rpt>")
    )
    with pytest.raises(StatementError, match=r"relevé intrajournalier \(camt\.052"):
        read_camt(data, file_name="rapport.xml")


def test_a_zipped_statement_is_refused_with_what_to_do():
    with pytest.raises(StatementError) as refused:
        _read("oca-camt053.zip")

    assert "archive ZIP" in refused.value.message and "Décompressez-la" in refused.value.hint
    assert "adhérents" not in str(refused.value)


@pytest.mark.parametrize("name", sorted(path.name for path in REAL.iterdir() if path.name != "README.md"))
def test_every_real_file_is_read_or_refused_never_a_crash(name):
    try:
        statement = _read(name)
    except StatementError as error:
        assert error.location is not None and error.location.file == name
    else:
        assert all(line.amount and line.booked_on for line in statement.lines)
