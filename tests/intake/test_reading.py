"""Reading members' registry exports: every format, encoding and delimiter users send, and every way they break.

Fixtures are written by the tests themselves in tmp_path, the way the real tools write them: csv.writer for
CSV, openpyxl for XLSX (Excel's library), odfpy for ODS (LibreOffice's format).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table as OdsTable
from odf.table import TableCell, TableRow
from odf.text import P

from grappe.errors import UserError
from grappe.intake.reading import ReadError, Row, Table, open_table

HEADER = ["Raison sociale", "SIRET", "Ville", "Date d'adhésion"]
MEMBERS = [
    ["Société Générale d'Œuvres « Numériques »", "41234567800012", "Saint-Étienne", "31/03/2016"],
    ["Café Déjà-Vu – 5 € l’heure", "73282932000074", "Valence", ""],
]


def write_csv(
    directory: Path,
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    name: str = "export.csv",
    lineterminator: str = "\r\n",
) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    path = directory / name
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_bytes(directory: Path, data: bytes, name: str = "export.csv") -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def write_xlsx(directory: Path, sheets: dict[str, list[list[object]]], name: str = "export.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = directory / name
    workbook.save(path)
    return path


def _ods_cell(value: object) -> TableCell:
    if value is None:
        return TableCell()
    if isinstance(value, bool):
        cell = TableCell(valuetype="boolean", booleanvalue=str(value).lower())
    elif isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=str(value))
    elif isinstance(value, datetime.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
    else:
        cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(value)))
    return cell


def write_ods(directory: Path, sheets: dict[str, list[list[object]]], name: str = "export.ods") -> Path:
    document = OpenDocumentSpreadsheet()
    for title, rows in sheets.items():
        table = OdsTable(name=title)
        for values in rows:
            row = TableRow()
            for value in values:
                row.addElement(_ods_cell(value))
            table.addElement(row)
        document.spreadsheet.addElement(table)
    path = directory / name
    document.save(str(path))
    return path


def read_all(path: Path, **options: object) -> tuple[Table, list[Row]]:
    table = open_table(path, **options)
    return table, list(table.rows())


def read_error(path: Path, **options: object) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_all(path, **options)
    return caught.value


# --- CSV: encodings and delimiters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_csv_is_decoded_in_the_encodings_office_tools_write(tmp_path, encoding, reported):
    path = write_csv(tmp_path, [HEADER, *MEMBERS], encoding=encoding)

    table, rows = read_all(path)

    assert table.encoding == reported
    assert table.file_format == "csv"
    assert [row.cells for row in rows] == [tuple(member) for member in MEMBERS]


def test_latin1_csv_is_read_as_cp1252_which_decodes_it_identically(tmp_path):
    members = [["Société Générale", "41234567800012", "Saint-Étienne", "31/03/2016"]]
    path = write_csv(tmp_path, [HEADER, *members], encoding="latin-1")

    table, rows = read_all(path)

    assert table.encoding == "cp1252"
    assert rows[0].cells == tuple(members[0])


def test_latin1_csv_with_bytes_undefined_in_cp1252_is_read_as_latin1(tmp_path):
    # 0x81 is undefined in cp1252: only latin-1 reads such a file without failing.
    path = write_bytes(tmp_path, "Raison sociale;Ville\nSociété\x81;Lyon\n".encode("latin-1"))

    table, rows = read_all(path)

    assert table.encoding == "latin-1"
    assert rows[0].cells == ("Société\x81", "Lyon")


def test_mac_roman_csv_is_recognised_when_the_sample_says_so(tmp_path):
    lines = ["Raison sociale;Ville;Activité"] + [
        f"Société Éléphant {n};Saint-Étienne;Hôtellerie et restauration, conseil stratégique"
        for n in range(40)
    ]
    path = write_bytes(tmp_path, "\n".join(lines).encode("mac_roman"))

    table, rows = read_all(path)

    assert table.encoding == "mac-roman"
    assert rows[0].cells[0] == "Société Éléphant 0"


def test_cp1252_accents_first_met_far_into_the_file_are_detected(tmp_path):
    # The head of the file is plain ASCII: the encoding is decided by the bytes around the first accent.
    lines = (
        ["Raison sociale;Ville"]
        + [f"Membre {n};Lyon" for n in range(2, 8000)]
        + ["Société Œuvre;Saint-Étienne"]
    )
    path = write_bytes(tmp_path, "\n".join(lines).encode("cp1252"))

    table, rows = read_all(path)

    assert table.encoding == "cp1252"
    assert rows[-1] == Row(8000, ("Société Œuvre", "Saint-Étienne"))


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_detected(tmp_path, delimiter):
    members = [[*member[:3], "1 200,50; en cours"] for member in MEMBERS]
    path = write_csv(tmp_path, [HEADER, *members], delimiter=delimiter)

    table, rows = read_all(path)

    assert table.delimiter == delimiter
    assert [row.cells for row in rows] == [tuple(member) for member in members]


def test_delimiter_is_found_below_title_rows_that_mislead_the_sniffer(tmp_path):
    text = (
        "Annuaire des adhérents, édition 2016, mis à jour le 31/03/2016\n"
        "\n"
        "Raison sociale;Ville;Code postal;Téléphone\n"
        "Alpha;Lyon;69001;04 72 00 00 00\n"
        "Beta, Gamma et associés;Roanne;42300;\n"
    )
    table, rows = read_all(write_bytes(tmp_path, text.encode()))

    assert table.delimiter == ";"
    assert table.header_line == 3
    assert rows[1].cells == ("Beta, Gamma et associés", "Roanne", "42300", "")


def test_quoted_cells_spanning_lines_keep_their_newlines_and_rows_keep_their_first_line(tmp_path):
    members = [
        ["Alpha", "41234567800012", "12 rue de la Paix\nBP 45\nCedex 2", ""],
        ["Beta", "73282932000074", "Valence", ""],
    ]
    path = write_csv(tmp_path, [HEADER, *members], lineterminator="\n")

    _, rows = read_all(path)

    assert [row.line for row in rows] == [2, 5]
    assert rows[0].cells[2] == "12 rue de la Paix\nBP 45\nCedex 2"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_counts_as_one_line(tmp_path, newline):
    text = newline.join(["Raison sociale;Ville", "Alpha;Lyon", "", "Beta;Valence", ""])
    _, rows = read_all(write_bytes(tmp_path, text.encode()))

    assert [(row.line, row.cells) for row in rows] == [(2, ("Alpha", "Lyon")), (4, ("Beta", "Valence"))]


def test_csv_cells_are_verbatim(tmp_path):
    text = 'Raison sociale;SIRET;Ville\n  Alpha  ;4,12346E+13;"  Lyon "\n'
    _, rows = read_all(write_bytes(tmp_path, text.encode()))

    assert rows[0].cells == ("  Alpha  ", "4,12346E+13", "  Lyon ")


def test_short_rows_are_padded_and_empty_trailing_cells_dropped(tmp_path):
    text = "Raison sociale;Ville;Code postal;\nAlpha;Lyon\nBeta;Valence;26000;;;\n"
    table, rows = read_all(write_bytes(tmp_path, text.encode()))

    assert table.headers == ("Raison sociale", "Ville", "Code postal")
    assert [row.cells for row in rows] == [("Alpha", "Lyon", ""), ("Beta", "Valence", "26000")]


# --- header row -------------------------------------------------------------------------------------------


def test_header_is_found_below_title_and_blank_lines(tmp_path):
    rows = [["Numélink — liste des adhérents"], [], ["Extraction du 31/03/2016"], [], HEADER, *MEMBERS]
    table, data = read_all(write_csv(tmp_path, rows))

    assert table.header_line == 5
    assert table.headers == tuple(HEADER)
    assert [row.line for row in data] == [6, 7]


def test_header_line_can_be_forced(tmp_path):
    rows = [["Raison sociale", "Ville"], ["Code", "Libellé"], ["A1", "Alpha"]]
    table, data = read_all(write_csv(tmp_path, rows), header_line=2)

    assert table.header_line == 2
    assert table.headers == ("Code", "Libellé")
    assert data == [Row(3, ("A1", "Alpha"))]


def test_forcing_a_blank_or_missing_header_line_is_an_error(tmp_path):
    path = write_csv(tmp_path, [HEADER, [], *MEMBERS])

    for line in (2, 99):
        error = read_error(path, header_line=line)
        assert error.code == "intake.no_header"
        assert error.location.line == line


def test_blank_rows_are_skipped(tmp_path):
    rows = [HEADER, MEMBERS[0], ["", " ", "", ""], [], MEMBERS[1]]
    _, data = read_all(write_csv(tmp_path, rows))

    assert [row.line for row in data] == [2, 5]


# --- spreadsheets -----------------------------------------------------------------------------------------

SHEET_ROWS: list[list[object]] = [
    [],
    [None, "Liste des adhérents au 31/03/2016"],
    [],
    [None, "Raison sociale", "SIRET", "Date d'adhésion", "Start-up", "Cotisation", "Effectif"],
    [None, "Alpha", 41234567800012, datetime.date(2016, 3, 31), True, 1200.5, 12],
    [None, "Beta", 73282932000074.0, datetime.datetime(2017, 1, 5), False, 150.0, None],
    [None, "Gamma", "00123", datetime.datetime(2017, 1, 5, 14, 30), None, 0.1, 1e-05],
]
SHEET_EXPECTED = [
    Row(5, ("Alpha", "41234567800012", "2016-03-31", "VRAI", "1200.5", "12")),
    Row(6, ("Beta", "73282932000074", "2017-01-05", "FAUX", "150", "")),
    Row(7, ("Gamma", "00123", "2017-01-05 14:30:00", "", "0.1", "0.00001")),
]


def test_xlsx_cells_become_the_text_a_user_expects(tmp_path):
    path = write_xlsx(tmp_path, {"Adhérents": SHEET_ROWS, "Cotisations": [["x"]]})

    table, rows = read_all(path)

    assert (table.file_format, table.sheet, table.sheets) == (
        "xlsx",
        "Adhérents",
        ("Adhérents", "Cotisations"),
    )
    assert (table.encoding, table.delimiter, table.header_line) == ("", "", 4)
    assert table.headers[0] == "Raison sociale"
    assert table.column_label(0) == "B (Raison sociale)"  # the data starts in column B
    assert rows == SHEET_EXPECTED


def test_ods_cells_become_the_text_a_user_expects(tmp_path):
    rows_in = [row for row in SHEET_ROWS if row != SHEET_ROWS[-1]]
    path = write_ods(tmp_path, {"Membres": rows_in, "Autre": [["x"]]})

    table, rows = read_all(path)

    assert (table.file_format, table.sheet, table.sheets, table.header_line) == (
        "ods",
        "Membres",
        ("Membres", "Autre"),
        4,
    )
    assert rows == SHEET_EXPECTED[:2]


@pytest.mark.parametrize("writer", [write_xlsx, write_ods])
def test_a_named_sheet_is_read(tmp_path, writer):
    path = writer(tmp_path, {"Notes": [["rien"]], "Adhérents 2016": [HEADER, *MEMBERS]})

    table, rows = read_all(path, sheet="Adhérents 2016")

    assert table.sheet == "Adhérents 2016"
    assert [row.cells for row in rows] == [tuple(member) for member in MEMBERS]


@pytest.mark.parametrize("writer", [write_xlsx, write_ods])
def test_an_unknown_sheet_is_an_error_that_lists_the_sheets(tmp_path, writer):
    path = writer(tmp_path, {"Adhérents": [HEADER, *MEMBERS], "Cotisations": [["x"]]})

    error = read_error(path, sheet="Membres")

    assert error.code == "intake.unknown_sheet"
    assert "« Membres »" in error.message
    assert "« Adhérents », « Cotisations »" in error.message


def test_hidden_first_sheet_is_passed_over(tmp_path):
    path = write_xlsx(tmp_path, {"Listes": [["Collège A"]], "Adhérents": [HEADER, *MEMBERS]})
    workbook = openpyxl.load_workbook(path)
    workbook["Listes"].sheet_state = "hidden"
    workbook.save(path)

    table = open_table(path)

    assert table.sheet == "Adhérents"


def test_an_empty_sheet_is_an_error_naming_the_sheets_with_data(tmp_path):
    path = write_xlsx(tmp_path, {"Feuil1": [], "Adhérents": [HEADER, *MEMBERS]})

    error = read_error(path)

    assert error.code == "intake.empty"
    assert error.location.sheet == "Feuil1"
    assert "« Adhérents »" in error.hint


# --- the extension does not decide the format -------------------------------------------------------------


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path):
    path = write_xlsx(tmp_path, {"Adhérents": [HEADER, *MEMBERS]}, name="export.csv")

    table, rows = read_all(path)

    assert table.file_format == "xlsx"
    assert len(rows) == 2


def test_an_ods_named_xlsx_is_read_as_ods(tmp_path):
    path = write_ods(tmp_path, {"Adhérents": [HEADER, *MEMBERS]}, name="export.xlsx")

    assert open_table(path).file_format == "ods"


def test_a_csv_named_xlsx_is_read_as_csv(tmp_path):
    path = write_csv(tmp_path, [HEADER, *MEMBERS], name="export.xlsx")

    assert open_table(path).file_format == "csv"


def test_the_name_the_user_knows_is_used_in_messages(tmp_path):
    path = write_bytes(tmp_path, b"", name="upload-8f3a.tmp")

    error = read_error(path, file_name="adhérents.csv")

    assert error.location.file == "adhérents.csv"
    assert str(error).startswith("adhérents.csv : ")


# --- what users really send instead of a members' table ---------------------------------------------------


def _zip(directory: Path, members: dict[str, bytes], name: str) -> Path:
    path = directory / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return path


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "intake.empty", "vide (0 octet)"),
        (b"\r\n  \n\t\n\n", "intake.empty", "que des lignes vides"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "intake.wrong_format", "document PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "intake.wrong_format", "image PNG"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "intake.legacy_excel", "Excel 97-2003 (.xls)"),
        (b"<html><body><table><tr><td>Nom</td></tr></table>", "intake.wrong_format", "page web"),
        (bytes(range(256)) * 40, "intake.binary", "binaire"),
    ],
    ids=["zero-bytes", "blank-lines", "pdf", "png", "xls", "html", "binary"],
)
def test_files_that_are_not_tables_are_refused_with_what_they_are(tmp_path, content, code, words):
    error = read_error(write_bytes(tmp_path, content, name="adhérents.csv"))

    assert error.code == code
    assert words in error.message
    assert error.location.file == "adhérents.csv"
    assert isinstance(error, UserError)


def test_the_xls_message_says_how_to_get_a_readable_file(tmp_path):
    error = read_error(write_bytes(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "a.xls"))

    assert ".xlsx" in error.hint and "CSV" in error.hint


@pytest.mark.parametrize(
    ("members", "words"),
    [
        ({"liste.csv": b"Nom;Ville\n"}, "archive ZIP"),
        ({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}, "traitement de texte"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"},
            "traitement de texte",
        ),
    ],
    ids=["zip", "docx", "odt"],
)
def test_zip_files_that_are_not_workbooks_are_refused(tmp_path, members, words):
    error = read_error(_zip(tmp_path, members, "adhérents.csv"))

    assert words in error.message


def test_a_truncated_workbook_is_refused(tmp_path):
    good = write_xlsx(tmp_path, {"Adhérents": [HEADER, *MEMBERS]})
    truncated = write_bytes(tmp_path, good.read_bytes()[:300], name="cut.xlsx")

    error = read_error(truncated)

    assert error.code == "intake.corrupt_workbook"


def test_a_file_in_an_unknown_encoding_is_refused(tmp_path):
    text = "会社名;都市\n" + "株式会社テスト;東京\n" * 30
    error = read_error(write_bytes(tmp_path, text.encode("shift_jis")))

    assert error.code == "intake.encoding"
    assert "UTF-8" in error.hint


def test_a_file_mixing_utf8_and_cp1252_is_refused_at_the_line_where_it_changes(tmp_path):
    data = "Raison sociale;Ville\nSociété Générale;Saint-Étienne\nCafé;Lyon\n".encode()
    data += "Béal;Roanne\n".encode("cp1252")

    error = read_error(write_bytes(tmp_path, data, name="fusion.csv"))

    assert error.code == "intake.mixed_encoding"
    assert str(error).startswith("fusion.csv, ligne 4 : ")


def test_no_recognisable_header_says_what_is_expected(tmp_path):
    path = write_csv(tmp_path, [["Colonne 1", "Colonne 2"], ["Alpha", "Lyon"]])

    error = read_error(path)

    assert error.code == "intake.no_header"
    assert "Raison sociale" in error.message and "Société" in error.message


def test_a_header_without_a_company_name_column_is_refused_at_its_line(tmp_path):
    path = write_csv(tmp_path, [["Export"], ["Ville", "Code postal", "SIRET"], ["Lyon", "69001", "1"]])

    error = read_error(path)

    assert error.code == "intake.no_name_column"
    assert error.location.line == 2
    assert "« Ville », « Code postal », « SIRET »" in error.message


def test_a_header_with_no_data_row_is_refused(tmp_path):
    path = write_csv(tmp_path, [["Liste"], HEADER, [], ["", "", "", ""]])

    error = read_error(path)

    assert error.code == "intake.no_data"
    assert "aucune ligne de données" in error.message
    assert error.location.line == 2


def test_duplicated_columns_are_named_by_letter_and_header(tmp_path):
    path = write_csv(
        tmp_path, [["Raison sociale", "E-mail", "Ville", "Email"], ["Alpha", "a@x.fr", "Lyon", "b@x.fr"]]
    )

    error = read_error(path, file_name="exports.csv")

    assert error.code == "intake.duplicate_column"
    assert "B (E-mail)" in error.message and "D (Email)" in error.message
    assert error.location.line == 1


def test_duplicated_columns_in_a_sheet_use_the_sheet_letters(tmp_path):
    path = write_xlsx(
        tmp_path,
        {"Adhérents": [[None, None, "Raison sociale", "Ville", "ville"], [None, None, "A", "B", "C"]]},
    )

    error = read_error(path)

    assert "D (Ville)" in error.message and "E (ville)" in error.message
    assert error.location.sheet == "Adhérents"


# --- broken rows ------------------------------------------------------------------------------------------

UNCLOSED = {
    # The file ends inside the quotes.
    "eof": 'Raison sociale;Ville;Code postal\nAlpha;Lyon;69001\nBeta;"Paris;75001\nGamma;Nice;06000\n',
    # A later quote closes it, followed by text: the csv module's strict mode notices.
    "closed-later": 'Raison sociale;Ville;Code postal\nAlpha;Lyon;69001\nBeta;"Paris;75001\nGamma;"Nice";06000\n',
    # A later quote closes it at the end of a line: only the shape of the swallowed cell tells.
    "silent": 'Raison sociale;Ville;Code postal\nAlpha;Lyon;69001\n"Beta;Paris;75001\nGamma;Nice;06000"\nZ;Y;1\n',
}


@pytest.mark.parametrize("text", UNCLOSED.values(), ids=UNCLOSED.keys())
def test_an_unclosed_quote_is_reported_where_it_opened(tmp_path, text):
    path = write_bytes(tmp_path, text.encode(), name="exports.csv")

    error = read_error(path)

    assert error.code == "intake.unclosed_quote"
    assert str(error).startswith("exports.csv, ligne 3")
    assert "guillemet ouvrant sans guillemet fermant" in error.message


def test_an_unclosed_quote_far_down_the_file_is_found_while_streaming(tmp_path):
    lines = ["Raison sociale;Ville;Code postal"] + [f"Membre {n};Lyon;69001" for n in range(2, 200)]
    lines[150] = 'Membre 151;"Lyon;69001'
    path = write_bytes(tmp_path, "\n".join(lines).encode(), name="exports.csv")

    table = open_table(path)  # the header and first rows are fine
    with pytest.raises(ReadError) as caught:
        list(table.rows())

    assert caught.value.location.line == 151


def test_a_genuine_multiline_cell_with_delimiters_is_not_mistaken_for_an_unclosed_quote(tmp_path):
    rows = [
        ["Raison sociale", "Ville", "Notes"],
        ["Alpha", "Lyon", "Contacts :\nJean; Paul; Marie\nfin"],
        ["B", "C", ""],
    ]
    _, data = read_all(write_csv(tmp_path, rows))

    assert data[0].cells[2] == "Contacts :\nJean; Paul; Marie\nfin"


def test_text_after_a_closing_quote_is_reported_on_its_line(tmp_path):
    text = 'Raison sociale;Ville\nAlpha;Lyon\n"Beta" SA;Paris\n'

    error = read_error(write_bytes(tmp_path, text.encode()))

    assert error.code == "intake.misplaced_quote"
    assert error.location.line == 3


def test_non_empty_cells_beyond_the_header_are_reported_with_line_and_column(tmp_path):
    text = "Raison sociale;Ville\nAlpha;Lyon;;\nBeta;Paris;75001\n"

    error = read_error(write_bytes(tmp_path, text.encode(), name="exports.csv"))

    assert error.code == "intake.extra_cell"
    assert str(error).startswith("exports.csv, ligne 3, colonne « C » : ")
    assert "« 75001 »" in error.message


def test_nul_bytes_in_a_cell_are_reported_with_line_and_column(tmp_path):
    text = "Raison sociale;Ville\nAlpha;Lyon\nBeta;Par\x00is\n"

    error = read_error(write_bytes(tmp_path, text.encode(), name="exports.csv"))

    assert error.code == "intake.nul_byte"
    assert str(error).startswith("exports.csv, ligne 3, colonne « B (Ville) » : ")


def test_rows_stream_again_on_each_call(tmp_path):
    table = open_table(write_csv(tmp_path, [HEADER, *MEMBERS]))

    assert list(table.rows()) == list(table.rows())


def test_a_file_changed_after_opening_is_refused(tmp_path):
    path = write_csv(tmp_path, [HEADER, *MEMBERS])
    table = open_table(path)
    path.write_bytes(path.read_bytes() + b"Gamma;1;Lyon;\n")

    with pytest.raises(ReadError) as caught:
        next(table.rows())

    assert caught.value.code == "intake.changed"


def test_table_locates_cells_for_the_importer(tmp_path):
    table = open_table(write_csv(tmp_path, [HEADER, *MEMBERS]), file_name="exports.csv")

    assert str(table.location(line=3, column=1)) == "exports.csv, ligne 3, colonne « B (SIRET) »"


def test_hash_and_size_describe_the_bytes_on_disk(tmp_path):
    path = write_csv(tmp_path, [HEADER, *MEMBERS])

    table = open_table(path)

    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert table.size == path.stat().st_size


def test_a_missing_file_is_a_read_error(tmp_path):
    error = read_error(tmp_path / "absent.csv")

    assert error.code == "intake.missing"


# --- round trip -------------------------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
# Legacy encodings are guessed statistically, so their cells are made of what French registries contain.
# No character here encodes to a byte in 0x80–0xBF after an accented letter, which could form valid UTF-8.
FRENCH_WORDS = [
    "Société", "Générale", "d'Œuvres", "Café", "Déjà", "Saint-Étienne", "Ça", "été", "à", "où", "Hôtel", "Mâcon",
    "Noël", "« Numérique »", "5 €", "l’heure", "n°", "SARL", "12", "rue", "Lyon", ";", ",", "\t", '"', "\n", " ",
]  # fmt: skip
FRENCH_TEXT = st.lists(st.sampled_from(FRENCH_WORDS), max_size=8).map(" ".join)
ROUND_TRIP_HEADER = ["Raison sociale", "Ville", "Notes"]


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, str, list[list[str]]]:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    cell = ANY_TEXT if encoding.startswith("utf") else FRENCH_TEXT
    if encoding == "latin-1":
        cell = cell.map(lambda text: text.replace("€", "E").replace("’", "'").replace("Œ", "OE"))
    rows = draw(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=6))
    rows.append(["fin", "", ""])  # at least one data row, as open_table requires
    return encoding, delimiter, rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
# Found by this test in CI: a quoted multi-line cell full of semicolons in a comma file, once read as a
# semicolon file (more short records than whole ones).
@example(("cp1252", ",", [["", "; \n ; \n Société", "; Société \n ; Société"], ["fin", "", ""]]))
@example(("cp1252", ",", [["", "", "; \n ; \n ; \n ; Société"], ["fin", "", ""]]))
@example(("cp1252", ",", [["", "", "; \n ; \n ; \n ;"], ["fin", "", ""]]))
# A tiny cp1252 file whose only non-ASCII character is « € » once read as Mac Roman (« Ä »).
@example(("cp1252", "\t", [["5 €", "", ""], ["fin", "", ""]]))
@example(("cp1252", ",", [["€", "", ""], ["fin", "", ""]]))
def test_any_cell_text_written_by_csv_writer_reads_back_identically(export):
    encoding, delimiter, rows = export
    with tempfile.TemporaryDirectory() as directory:
        path = write_csv(Path(directory), [ROUND_TRIP_HEADER, *rows], delimiter=delimiter, encoding=encoding)

        table, read = read_all(path)

        assert table.delimiter == delimiter
        assert [row.cells for row in read] == [
            tuple(row) for row in rows if any(cell.strip() for cell in row)
        ]


# --- scale ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_50_mb_csv_is_streamed_in_bounded_memory(tmp_path):
    path = tmp_path / "federation.csv"
    header = ["Raison sociale", "SIRET", "Adresse", "Code postal", "Ville", "E-mail", "Téléphone", "Notes"]
    with path.open("w", encoding="cp1252", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(header)
        for n in range(200_000):
            writer.writerow(
                [f"Société Numérique n°{n}", f"{41234567800012 + n}", f"{n} avenue de la Libération, bâtiment B",
                 "42000", "Saint-Étienne", f"contact{n}@societe-numerique.fr", "04 77 00 00 00",
                 "Adhérent depuis 2016 ; « membre actif » du collège des entreprises" + "." * 60]
            )  # fmt: skip
    assert path.stat().st_size > 50_000_000

    tracemalloc.start()
    try:
        table = open_table(path)
        count = sum(1 for _ in table.rows())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 200_000
    assert table.encoding == "cp1252"
    assert peak < 50_000_000


def test_sample_codecs_used_by_the_tests_exist():
    # Guards the parametrised encodings above against typos that would only show as a confusing failure.
    for name in ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "mac_roman", "shift_jis"):
        codecs.lookup(name)


def test_workbook_without_a_named_sheet_falls_back_to_the_sheet_holding_the_members(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = "Synthèse"
    summary.append(["Adhérents au 1er mars 2017", 320])
    members = workbook.create_sheet("Adhérents")
    members.append(["Raison sociale", "SIRET"])
    members.append(["Ardoise Numérique", "73282932000074"])
    path = tmp_path / "adherents.xlsx"
    workbook.save(path)

    table = open_table(path)

    assert table.sheet == "Adhérents"
    assert [row.cells for row in table.rows()] == [("Ardoise Numérique", "73282932000074")]
