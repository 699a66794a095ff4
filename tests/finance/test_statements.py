"""Reading bank statements: a French bank's CSV export and CAMT.053; a bad file is refused where it is bad."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance import noisy_statements as noisy
from grappe.finance.statements import StatementError, read_statement

CSV_TEXT = (
    "Compte courant n° 00012345678;;;;\r\n"
    "Solde au 31/05/2026;;;12 500,00;\r\n"
    ";;;;\r\n"
    "Date opération;Libellé;Débit;Crédit;Référence\r\n"
    "03/03/2026;VIR SEPA RECU /DE ATELIER FORÉZIEN SAS /MOTIF FAC-2026-00012 /REF 8812;;1 200,50;OP1\r\n"
    "04/03/2026;PRLV LOYER BUREAUX;-850,00;;OP2\r\n"
    "05/03/2026;VIR RECU DE: VOLCANS CLOUD MOTIF: RF18 5390 0754 7034;;150,00;OP3\r\n"
)


def write(tmp_path: Path, data: bytes, name: str = "releve.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_a_french_bank_csv_is_read_in_cp1252_or_utf8(tmp_path, encoding):
    statement = read_statement(write(tmp_path, CSV_TEXT.encode(encoding)), file_name="releve.csv")
    first, debit, third = statement.lines
    assert (first.position, first.booked_on, first.amount) == (
        5,
        datetime.date(2026, 3, 3),
        Decimal("1200.50"),
    )
    assert first.counterparty == "ATELIER FORÉZIEN SAS"
    assert "FAC-2026-00012" in first.remittance and first.bank_reference == "OP1"
    assert debit.amount == Decimal("-850.00")
    assert third.counterparty == "VOLCANS CLOUD" and "RF18 5390 0754 7034" in third.remittance
    assert first.raw["Libellé"].startswith("VIR SEPA RECU")


@pytest.mark.parametrize(
    ("line", "where", "what"),
    [
        ("31/02/2026;VIR;;10,00;X", "ligne 5, colonne « Date opération »", "31/02/2026"),
        ("03/03/2026;VIR;;dix euros;X", "ligne 5, colonne « Crédit »", "dix euros"),
        ("03/03/2026;VIR;;;X", "ligne 5", "pas de montant"),
        ("03/03/2026;VIR;5,00;10,00;X", "ligne 5", "un débit et un crédit"),
    ],
)
def test_a_bad_csv_line_is_refused_with_its_line_and_column(tmp_path, line, where, what):
    text = [*CSV_TEXT.split("\r\n")[:4], line]
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, "\r\n".join(text).encode("cp1252")), file_name="releve.csv")
    assert f"releve.csv, {where}" in str(caught.value) and what in str(caught.value)


def test_a_csv_without_the_expected_columns_says_which_are_expected(tmp_path):
    with pytest.raises(StatementError, match="Date opération"):
        read_statement(write(tmp_path, b"Nom;Adresse\r\nA;B\r\n"), file_name="adherents.csv")


CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Id>RELEVE-42</Id><Acct><Id><IBAN>FR76 3000 6000 0112 3456 7890 189</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">550.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-03-10</Dt></BookgDt>
<AcctSvcrRef>B1</AcctSvcrRef><NtryDtls>
<TxDtls><Amt Ccy="EUR">400.00</Amt><RltdPties><Dbtr><Nm>ATELIER NUMERIQUE</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>FAC-2026-00012</Ustrd></RmtInf></TxDtls>
<TxDtls><Amt Ccy="EUR">150.00</Amt><RltdPties><Dbtr><Nm>VOLCANS CLOUD</Nm></Dbtr></RltdPties>
<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-03-11</Dt></BookgDt>
<NtryDtls><TxDtls><RltdPties><Cdtr><Nm>TRAITEUR</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def test_a_camt053_batch_entry_is_split_into_its_transactions(tmp_path):
    statement = read_statement(write(tmp_path, CAMT, "releve.xml"), file_name="releve.xml")
    assert (statement.format, statement.account, statement.statement_id) == (
        "camt053",
        "FR7630006000011234567890189",
        "RELEVE-42",
    )
    first, second, debit = statement.lines
    assert (first.amount, first.counterparty, first.remittance) == (
        Decimal("400.00"),
        "ATELIER NUMERIQUE",
        "FAC-2026-00012",
    )
    assert second.remittance == "RF18539007547034" and second.booked_on == datetime.date(2026, 3, 10)
    assert (debit.amount, debit.counterparty) == (Decimal("-80.00"), "TRAITEUR")


@pytest.mark.parametrize(
    ("data", "where", "what"),
    [
        (CAMT[:400], "releve.xml, ligne", "mal formé"),
        (CAMT.replace(b"<CdtDbtInd>CRDT", b"<CdtDbtInd>XX", 1), "ligne 4, colonne « <Ntry> »", "CdtDbtInd"),
        (CAMT.replace(b'Ccy="EUR">550', b'Ccy="USD">550'), "ligne 4, colonne « <Amt> »", "USD"),
        (CAMT.replace(b"2026-03-10", b"10/03/2026"), "colonne « <BookgDt> »", "10/03/2026"),
        (b"<?xml version='1.0'?><Document><Other/></Document>", "colonne « <Document> »", "CAMT.053"),
    ],
)
def test_a_bad_camt_file_is_refused_naming_the_element_and_its_line(tmp_path, data, where, what):
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, data, "releve.xml"), file_name="releve.xml")
    assert where in str(caught.value) and what in str(caught.value)


def test_xml_declaring_entities_is_refused_before_any_expansion(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Document><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>"
    )
    external = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>'
    )
    for data in (laughs, external):
        with pytest.raises(StatementError, match="DOCTYPE"):
            read_statement(write(tmp_path, data, "releve.xml"), file_name="releve.xml")


# What payers' names and remittance texts are made of in a French bank's export.
FRENCH = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 éèêàâçôûîïÉÈÀÇŒœ'’-&.,:°")
amounts = st.integers(1, 10**9).map(lambda cents: cents if cents % 3 else -cents)
generated_lines = st.lists(
    st.builds(
        noisy.Generated,
        st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)),
        amounts,
        st.text(FRENCH, max_size=35).map(str.strip),
        st.text(FRENCH, max_size=60).map(str.strip),
        st.none(),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(generated_lines)
def test_any_statement_reads_back_the_dates_and_amounts_it_was_written_with(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("statements")
    for name, data in (("r.csv", noisy.as_csv(lines)), ("r.xml", noisy.as_camt(lines))):
        statement = read_statement(write(folder, data, name), file_name=name)
        assert [(line.booked_on, line.amount) for line in statement.lines] == [
            (line.booked_on, Decimal(line.amount) / 100) for line in lines
        ], name
        if name == "r.xml":
            assert [line.counterparty for line in statement.lines] == [
                " ".join(g.counterparty.split()) for g in lines
            ]
