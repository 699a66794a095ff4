"""Hostile files: each is refused before anything is allocated for it, with a located message, in bounded time
and memory; on the web nothing is kept, and the CLI prints a paragraph, not a backtrace.

Before the read limits, the first of these (one cell at XFD1048576 in a 5 KB workbook) made python-calamine
allocate 512 GiB and abort the process: run against that code, this module kills the test run (SIGABRT).
"""

from __future__ import annotations

import codecs
import resource
import time
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from grappe import cli
from grappe.intake.formats.guard import check_workbook
from grappe.intake.formats.limits import ReadLimits
from grappe.intake.models import ImportJob
from grappe.intake.reading import ReadError, open_table

from .hostile import (
    HEADER,
    MEMBER,
    SHEET,
    add_rows,
    edit_sheet,
    far_cell_xlsx,
    forge_declared_size,
    genuine_ods_rows,
    long_cell_xlsx,
    ods_cell,
    ods_row,
    set_dimension,
    write_ods,
    write_zip,
    xlsx_parts,
)

SECONDS = 5.0  # every refusal here takes well under a second; the margin is for a loaded CI machine
MEGABYTES = 150  # growth of the peak memory allowed while refusing


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def said(error: object) -> str:
    """A message with its no-break spaces (thousands, units) as plain spaces."""
    return str(error).replace("\u202f", " ").replace("\xa0", " ")


def refused(path: Path, *, limits: ReadLimits | None = None, sheet: str | None = None) -> ReadError:
    """The error reading ``path`` gives, checked to come fast and without a memory peak."""
    before, started = peak_mb(), time.perf_counter()
    with pytest.raises(ReadError) as caught:
        table = open_table(path, limits=limits, sheet=sheet)
        for _row in table.rows():
            pass
    assert time.perf_counter() - started < SECONDS
    assert peak_mb() - before < MEGABYTES
    return caught.value


# --- XLSX ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dimension", ["keep", "A1:C2", None], ids=["honest", "forged", "absent"])
def test_a_cell_at_xfd1048576_is_refused_before_calamine_sees_it(tmp_path, dimension):
    path = far_cell_xlsx(tmp_path / "adherents.xlsx", "XFD1048576", dimension=dimension)
    assert path.stat().st_size < 10_000

    error = refused(path)

    assert error.code in {"intake.dimension", "intake.too_many_rows", "intake.too_many_columns"}
    text = said(error)
    assert text.startswith("adherents.xlsx, feuille « Adhérents »")
    assert "1 048 576" in text or "XFD" in text


def test_a_value_at_z1000000_is_refused_at_its_row(tmp_path):
    error = refused(far_cell_xlsx(tmp_path / "adherents.xlsx", "Z1000000", dimension="A1:C2"))

    assert error.code == "intake.too_many_rows"
    assert "ligne 1000000" in said(error) and "300 000 lignes" in said(error)


def test_a_forged_dimension_alone_is_refused(tmp_path):
    path = write_zip(tmp_path / "adherents.xlsx", edit_sheet(xlsx_parts(), set_dimension("A1:ZZ900000")))

    error = refused(path)

    assert error.code == "intake.dimension" and "A1:ZZ900000" in said(error)


def test_cells_with_a_prefixed_name_get_the_exact_scan(tmp_path):
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    row = (
        f'<x:row xmlns:x="{main}" r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is>'
        f"</x:c></x:row>"
    )
    path = write_zip(tmp_path / "adherents.xlsx", edit_sheet(xlsx_parts(), add_rows(row)))

    error = refused(path)

    assert error.code in {"intake.too_many_rows", "intake.too_many_columns"}


def test_cells_without_references_are_counted_where_they_fall(tmp_path):
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 600
    path = write_zip(tmp_path / "adherents.xlsx", edit_sheet(xlsx_parts(), add_rows(f"<row>{cells}</row>")))

    error = refused(path)

    assert error.code == "intake.too_many_columns"
    assert "colonne SF" not in said(error) and "la 501e" in said(error) and "ligne 3" in said(error)


def test_the_used_area_is_limited_in_cells(tmp_path):
    path = far_cell_xlsx(tmp_path / "adherents.xlsx", "J20", dimension=None)

    error = refused(path, limits=ReadLimits(max_cells=100))

    assert error.code == "intake.too_many_cells" and "de A1 à J20" in said(error)


def test_a_200000_by_60_sheet_is_within_the_default_limits(tmp_path):
    path = far_cell_xlsx(tmp_path / "adherents.xlsx", "BH200000")

    check_workbook(path, file_name="adherents.xlsx", limits=ReadLimits())  # does not raise


@pytest.mark.parametrize("shared", [False, True], ids=["inline", "shared-string"])
def test_a_huge_cell_is_refused_from_the_xml_before_it_is_decoded(tmp_path, shared):
    path = long_cell_xlsx(tmp_path / "adherents.xlsx", 5_000_000, shared=shared)
    assert path.stat().st_size < 100_000

    error = refused(path)

    assert error.code == "intake.cell_too_long" and "plus de 32 767 caractères" in said(error)


def test_a_cell_just_over_the_limit_is_refused_at_its_place(tmp_path):
    path = long_cell_xlsx(tmp_path / "adherents.xlsx", 40_000)

    error = refused(path)

    assert error.code == "intake.cell_too_long"
    assert said(error).startswith("adherents.xlsx, feuille « Adhérents », ligne 3, colonne « A »")


def test_a_part_inflating_beyond_its_declared_size_is_refused(tmp_path):
    path = write_zip(tmp_path / "adherents.xlsx", xlsx_parts())
    real = zipfile.ZipFile(path).getinfo(SHEET).file_size
    forge_declared_size(path, SHEET, real // 2)

    error = refused(path)

    assert error.code == "intake.corrupt_workbook" and "annonce" in said(error)


def test_declared_sizes_beyond_the_limit_are_refused_without_inflating(tmp_path):
    path = forge_declared_size(write_zip(tmp_path / "adherents.xlsx", xlsx_parts()), SHEET, 3_500_000_000)

    error = refused(path)

    assert error.code == "intake.decompressed_size" and "Mo" in said(error)


def test_a_zip_bomb_ratio_is_refused(tmp_path):
    padding = '<row r="2" spans="1:3"/>' * 60_000  # 1.4 MB that deflate shrinks a thousand times
    path = write_zip(tmp_path / "adherents.xlsx", edit_sheet(xlsx_parts(), add_rows(padding)))

    error = refused(path, limits=ReadLimits(max_compression_ratio=50))

    assert error.code == "intake.zip_bomb" and SHEET in said(error)


def test_a_document_type_declaration_is_refused(tmp_path):
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def declare(sheet: bytes) -> bytes:
        declaration_end = sheet.index(b"?>") + 2 if sheet.startswith(b"<?xml") else 0
        return sheet[:declaration_end] + laughs + sheet[declaration_end:]

    path = write_zip(tmp_path / "adherents.xlsx", edit_sheet(xlsx_parts(), declare))

    error = refused(path)

    assert error.code == "intake.corrupt_workbook" and "déclaration de type de document" in said(error)


def test_a_workbook_carrying_a_zip_is_read_normally(tmp_path):
    nested = tmp_path / "nested.zip"
    write_zip(nested, {"inner.txt": b"0" * 100_000})
    parts = {**xlsx_parts(), "xl/embeddings/nested.zip": nested.read_bytes()}

    table = open_table(write_zip(tmp_path / "adherents.xlsx", parts))

    assert [row.cells for row in table.rows()] == [tuple(MEMBER)]


# --- ODS -------------------------------------------------------------------------------------------------------


def test_an_ods_row_repeated_200000_times_is_refused(tmp_path):
    path = write_ods(tmp_path / "adherents.ods", ods_row(HEADER) + ods_row(MEMBER, repeat=200_000))
    assert path.stat().st_size < 12_000

    error = refused(path)

    assert error.code == "intake.repeated"
    assert "répétée 200 000 fois" in said(error) and "ligne 2" in said(error)


def test_libreoffice_trailing_empty_rows_and_columns_are_read(tmp_path):
    rows = ods_row([*HEADER, ""]) + ods_row(MEMBER) + ods_row(ods_cell(repeat=1024), repeat=1_048_574)

    table = open_table(write_ods(tmp_path / "adherents.ods", rows))

    assert [row.cells for row in table.rows()] == [tuple(MEMBER)]


def test_an_ods_value_far_below_empty_rows_is_refused(tmp_path):
    rows = genuine_ods_rows() + ods_row(ods_cell(repeat=3), repeat=999_997) + ods_row(["x"])

    error = refused(write_ods(tmp_path / "adherents.ods", rows))

    assert error.code == "intake.too_many_rows" and "1 000 000" in said(error)


def test_an_ods_value_repeated_across_the_columns_is_refused(tmp_path):
    rows = genuine_ods_rows() + ods_row(ods_cell("x", repeat=16_384))

    error = refused(write_ods(tmp_path / "adherents.ods", rows))

    assert error.code == "intake.repeated" and "16 384" in said(error)


def test_an_ods_value_beyond_the_last_column_is_refused(tmp_path):
    rows = genuine_ods_rows() + ods_row(ods_cell(repeat=700) + ods_cell("x"))

    error = refused(write_ods(tmp_path / "adherents.ods", rows))

    assert error.code == "intake.too_many_columns" and "la 701e" in said(error)


@pytest.mark.parametrize(
    "cell",
    [
        '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="500000000"/></text:p>'
        "</table:table-cell>",
        ods_cell("A" * 3_000_000),
    ],
    ids=["space-run", "long-text"],
)
def test_a_huge_ods_cell_is_refused(tmp_path, cell):
    error = refused(write_ods(tmp_path / "adherents.ods", genuine_ods_rows() + ods_row(cell)))

    assert error.code == "intake.cell_too_long" and "ligne 3" in said(error)


# --- CSV -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quoted", [True, False])
def test_a_10_mb_csv_cell_is_too_long_not_an_unclosed_quote(tmp_path, quoted):
    cell = "A" * 10_000_000
    cell = f'"{cell}"' if quoted else cell
    path = tmp_path / "adherents.csv"
    path.write_text(f"Raison sociale;Ville\nAlpha;Lyon\nBeta;{cell}\nGamma;Nice\n", encoding="utf-8")

    error = refused(path)

    assert error.code in {"intake.cell_too_long", "intake.line_too_long"}
    assert "ligne 3" in said(error) and "guillemet" not in said(error)


def test_a_csv_cell_just_over_the_limit_is_located(tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text(f"Raison sociale;Ville\nAlpha;Lyon\nBeta;{'B' * 40_000}\n", encoding="utf-8")

    error = refused(path)

    assert error.code == "intake.cell_too_long"
    assert said(error).startswith("adherents.csv, ligne 3, colonne « B » : cellule trop longue")


def test_an_unclosed_quote_is_still_reported_as_such(tmp_path):
    lines = "".join(f"Membre {n};Lyon\n" for n in range(20_000))
    path = tmp_path / "adherents.csv"
    path.write_text(f'Raison sociale;Ville\nAlpha;"Lyon\n{lines}', encoding="utf-8")

    error = refused(path)

    assert error.code == "intake.unclosed_quote" and "ligne 2" in said(error)


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be", "utf-16-le"])
def test_utf32_and_utf16_files_are_decoded_by_their_byte_order_mark(tmp_path, codec):
    bom = {
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
        "utf-16-le": codecs.BOM_UTF16_LE,
    }[codec]
    path = tmp_path / "adherents.csv"
    path.write_bytes(bom + "Raison sociale;Ville\nSociété Œuvre;Saint-Étienne\n".encode(codec))

    table = open_table(path)

    assert table.encoding == codec[:6] and table.headers == ("Raison sociale", "Ville")
    assert [row.cells for row in table.rows()] == [("Société Œuvre", "Saint-Étienne")]


def test_a_csv_of_10000_columns_is_refused_fast(tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text(
        "Raison sociale;" + ";".join(f"Colonne {n}" for n in range(10_000)) + "\n", encoding="utf-8"
    )

    error = refused(path)

    assert (
        error.code == "intake.too_many_columns" and "500 colonnes" in said(error) and "ligne 1" in said(error)
    )


def test_trailing_empty_columns_do_not_count(tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text("Raison sociale;Ville" + ";" * 2000 + "\nAlpha;Lyon\n", encoding="utf-8")

    assert open_table(path).headers == ("Raison sociale", "Ville")


def test_a_csv_without_line_breaks_is_not_read_whole(tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text("Raison sociale;Ville\n" + "x;" * 3_000_000, encoding="utf-8")

    error = refused(path)

    assert error.code in {"intake.line_too_long", "intake.too_many_columns"} and "ligne 2" in said(error)


def test_rows_beyond_the_limit_are_refused_at_the_first_one(tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text("Raison sociale;Ville\n" + "Alpha;Lyon\n" * 200, encoding="utf-8")

    error = refused(path, limits=ReadLimits(max_rows=100))

    assert error.code == "intake.too_many_rows" and "ligne 101" in said(error)


# --- Settings, web pages, CLI ------------------------------------------------------------------------------------


def test_the_limits_come_from_the_settings(settings, tmp_path):
    path = tmp_path / "adherents.csv"
    path.write_text("Raison sociale;Ville;Code postal\nAlpha;Lyon;69001\n", encoding="utf-8")
    settings.GRAPPE_IMPORT_MAX_COLUMNS = 2

    error = refused(path)

    assert error.code == "intake.too_many_columns" and "au plus 2 colonnes" in said(error)
    settings.GRAPPE_IMPORT_MAX_COLUMNS = 3
    assert open_table(path).headers == ("Raison sociale", "Ville", "Code postal")


def _hostile_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each hostile file of the issue, with a word of the message it must get."""
    csv_wide = tmp_path / "large.csv"
    csv_wide.write_text("Raison sociale;" + ";".join(f"C{n}" for n in range(10_000)) + "\n", encoding="utf-8")
    csv_long = tmp_path / "long.csv"
    csv_long.write_text(f'Raison sociale;Ville\nAlpha;"{"A" * 2_000_000}"\n', encoding="utf-8")
    return {
        "far-cell": (far_cell_xlsx(tmp_path / "loin.xlsx", "XFD1048576"), "XFD1048576"),
        "far-value": (far_cell_xlsx(tmp_path / "bas.xlsx", "Z1000000", dimension=None), "300 000 lignes"),
        "huge-cell": (long_cell_xlsx(tmp_path / "cellule.xlsx", 5_000_000), "32 767 caractères"),
        "repeated-row": (
            write_ods(tmp_path / "repete.ods", ods_row(HEADER) + ods_row(MEMBER, repeat=200_000)),
            "répétée 200 000 fois",
        ),
        "wide-csv": (csv_wide, "500 colonnes"),
        "long-csv-cell": (csv_long, "cellule trop longue"),
    }


HOSTILE = ["far-cell", "far-value", "huge-cell", "repeated-row", "wide-csv", "long-csv-cell"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_upload_gets_a_located_refusal_and_is_not_kept(
    client, importer, association, media_root, counts, tmp_path, kind
):
    path, words = _hostile_files(tmp_path)[kind]
    client.force_login(importer)
    before = counts()

    started = time.perf_counter()
    with path.open("rb") as stream:
        response = client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})

    assert time.perf_counter() - started < SECONDS * 2
    assert response.status_code == 400
    page = said(response.content.decode())
    assert path.name in page and words in page
    assert counts() == before and not ImportJob.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_answered_413_before_it_is_read(
    client, importer, association, media_root, settings, tmp_path
):
    settings.GRAPPE_MAX_UPLOAD_BYTES = 10_000
    settings.GRAPPE_MAX_REQUEST_OVERHEAD_BYTES = 1_000
    path = tmp_path / "adherents.csv"
    path.write_bytes(b"Raison sociale;Ville\n" + b"Alpha;Lyon\n" * 5_000)
    client.force_login(importer)

    with path.open("rb") as stream:
        response = client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})

    # No Connection header from the application: WSGI forbids hop-by-hop headers (wsgiref, hence runserver,
    # refused the response with it); the server closes a connection whose body it did not read.
    assert response.status_code == 413 and "Connection" not in response
    page = said(response.content.decode())
    assert "Fichier trop volumineux" in page and "9,8 Kio" in page and "avant d’être enregistré" in page
    assert not ImportJob.objects.exists() and stored_files(media_root) == []


@pytest.mark.django_db
def test_a_declared_length_of_a_gigabyte_is_refused_without_reading_the_body(client, importer, media_root):
    client.force_login(importer)

    response = client.post(
        reverse("intake:upload"),
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(1 << 30),
    )

    assert response.status_code == 413 and "200,0 Mio" in said(response.content.decode())
    assert stored_files(media_root) == []


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_the_cli_refuses_a_hostile_file_with_a_paragraph(runner, association, counts, tmp_path, kind):
    path, words = _hostile_files(tmp_path)[kind]
    before = counts()

    result = runner.invoke(cli.app, ["import", str(path), "--association", "Auvergne TIC"])

    text = " ".join(said(result.output).split())
    assert result.exit_code == 2
    assert text.startswith("Erreur :") and words in text
    assert "Traceback" not in result.output
    assert counts() == before


@pytest.mark.django_db
def test_the_mapping_page_of_the_widest_accepted_file_stays_small(
    client, importer, association, media_root, tmp_path
):
    path = tmp_path / "large.csv"
    headers = ["Raison sociale", *(f"Colonne {n}" for n in range(499))]
    path.write_text(";".join(headers) + "\nAlpha;" + ";".join("x" * 499) + "\n", encoding="utf-8")
    client.force_login(importer)
    with path.open("rb") as stream:
        client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})
    job = ImportJob.objects.get()

    started = time.perf_counter()
    response = client.get(reverse("intake:mapping", args=[job.pk]))

    assert response.status_code == 200 and "500 colonnes" in said(response.content.decode())
    assert len(response.content) < 1_500_000 and time.perf_counter() - started < SECONDS * 3
    assert '<option value="name" selected>Raison sociale</option>' in response.content.decode()


def test_an_ods_with_unusual_prefixes_gets_the_exact_scan(tmp_path):
    path = write_ods(tmp_path / "adherents.ods", ods_row(HEADER) + ods_row(MEMBER, repeat=200_000))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    content = parts["content.xml"]
    for old, new in [
        (b"<table:", b"<t:"),
        (b"</table:", b"</t:"),
        (b" table:", b" t:"),
        (b"xmlns:table=", b"xmlns:t="),
    ]:
        content = content.replace(old, new)

    error = refused(write_zip(tmp_path / "prefixes.ods", {**parts, "content.xml": content}))

    assert error.code == "intake.repeated" and "répétée 200 000 fois" in said(error)


def test_a_workbook_without_sheets_is_refused(tmp_path):
    path = write_ods(tmp_path / "adherents.ods", genuine_ods_rows())
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # The table namespace renamed: no element of the content is a sheet any more.
    parts["content.xml"] = (
        parts["content.xml"].replace(b"table:", b"t:").replace(b"xmlns:table=", b"xmlns:t=")
    )

    error = refused(write_zip(tmp_path / "vide.ods", parts))

    assert error.code == "intake.empty" and "aucune feuille" in said(error)


def test_a_panic_inside_calamine_is_a_read_error(tmp_path, monkeypatch):
    from grappe.intake.formats import spreadsheet

    class PanicException(BaseException):  # what pyo3 raises when Rust code panics without aborting
        pass

    def panic(stream):
        raise PanicException("index out of bounds")

    monkeypatch.setattr(spreadsheet.CalamineWorkbook, "from_filelike", panic)

    error = refused(write_zip(tmp_path / "adherents.xlsx", xlsx_parts()))

    assert error.code == "intake.corrupt_workbook" and "index out of bounds" in said(error)


def test_duplicate_parts_and_binary_sheets_are_refused(tmp_path):
    parts = xlsx_parts()
    path = write_zip(tmp_path / "double.xlsx", parts)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr(SHEET, parts[SHEET])
    binary = write_zip(tmp_path / "binaire.xlsx", {**parts, "xl/worksheets/sheet2.bin": b"\x00" * 100})

    assert refused(path).code == "intake.corrupt_workbook" and "deux fois" in said(refused(path))
    assert refused(binary).code == "intake.legacy_excel" and ".xlsb" in said(refused(binary))
