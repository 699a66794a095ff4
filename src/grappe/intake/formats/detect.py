"""Tell a file's format from its content, not its name: users rename files, and tools export with odd names.

A CSV renamed .xlsx is read as CSV; an XLSX renamed .csv is read as XLSX; anything else that is not text gets
a message saying what it really is and how to get a readable export.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .base import ReadError, read_error

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, Word 97-2003, encrypted OOXML
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

_RESAVE_HINT = (
    "Ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format « Classeur Excel (.xlsx) », "
    "« Classeur ODF (.ods) » ou « CSV UTF-8 », puis importez ce nouveau fichier."
)
_EXPORT_HINT = "Exportez la liste des adhérents au format CSV, XLSX ou ODS depuis le logiciel d'origine."

# Signatures of formats people upload by mistake: (magic prefix, what it is).
_FOREIGN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "un document PDF"),
    (b"\x89PNG", "une image PNG"),
    (b"\xff\xd8\xff", "une image JPEG"),
    (b"GIF8", "une image GIF"),
    (b"\x1f\x8b", "une archive GZIP"),
    (b"Rar!", "une archive RAR"),
    (b"7z\xbc\xaf\x27\x1c", "une archive 7-Zip"),
    (b"{\\rtf", "un document RTF"),
)


def detect_format(path: Path, head: bytes, *, file_name: str) -> str:
    """ "xlsx", "ods" or "csv" (any text); raises ReadError for everything else."""
    if head.startswith(ZIP_MAGIC):
        return _zip_format(path, file_name)
    if head.startswith(OLE2_MAGIC):
        raise read_error(
            "ce fichier est au format Excel 97-2003 (.xls) ou est un classeur protégé par un mot de passe : "
            "Grappe lit les classeurs .xlsx et .ods et les fichiers CSV.",
            file=file_name,
            code="legacy_excel",
            hint=_RESAVE_HINT + " S'il est protégé, retirez d'abord le mot de passe.",
        )
    for magic, what in _FOREIGN_SIGNATURES:
        if head.startswith(magic):
            raise _not_a_table(file_name, what)
    if _looks_like_markup(head):
        raise _not_a_table(file_name, "une page web (HTML) ou un fichier XML")
    return "csv"


def _zip_format(path: Path, file_name: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise read_error(
            "ce fichier commence comme un classeur XLSX/ODS (archive ZIP) mais il est tronqué ou abîmé.",
            file=file_name,
            code="corrupt_workbook",
            hint="Enregistrez-le de nouveau depuis Excel ou LibreOffice.",
        ) from error
    if mimetype == ODS_MIMETYPE:
        return "ods"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument") or "word/document.xml" in names:
        raise _not_a_table(file_name, "un document de traitement de texte (Word ou Writer)")
    if "ppt/presentation.xml" in names:
        raise _not_a_table(file_name, "une présentation PowerPoint")
    raise read_error(
        "ce fichier est une archive ZIP qui n'est ni un classeur XLSX ni un classeur ODS.",
        file=file_name,
        code="zip_archive",
        hint="Décompressez-la et importez le fichier CSV, XLSX ou ODS qu'elle contient.",
    )


def _looks_like_markup(head: bytes) -> bool:
    # Some web tools "export to Excel" as an HTML table or Excel 2003 XML named .xls: neither is a CSV.
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<head"))


def _not_a_table(file_name: str, what: str) -> ReadError:
    return read_error(
        f"ce fichier est {what}, pas un tableau d'adhérents (CSV, XLSX ou ODS).",
        file=file_name,
        code="wrong_format",
        hint=_EXPORT_HINT,
    )
