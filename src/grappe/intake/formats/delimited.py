"""CSV and other delimited text: guess the delimiter, stream records with their line numbers, catch bad quotes.

Records are streamed from disk with the csv module in strict mode, so a file of any size is read in bounded
memory. A record remembers the physical line where it starts, which is what a user sees in a text editor and
what Excel shows for a file without multi-line cells.

An opening quote that is never closed is the most harmful mistake in hand-edited CSV files: the csv module
then reads the rest of the file as one cell. It is caught three ways: the file ends inside the quotes (strict
mode raises), a quote closes far away followed by text (strict mode raises), or a cell spans lines that look
like whole records (checked here). Each is reported at the line where the quote opened.

The read limits apply as records stream: a line is read at most so many characters at a time (a file without
line breaks is not read whole into memory), a cell longer than the cell limit is reported as such (the csv
module's own "field larger than field limit" is not an unclosed quote), and records, columns are counted.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from .base import ReadError, Record, column_letter, read_error
from .limits import ReadLimits, count

CANDIDATE_DELIMITERS = (";", ",", "\t")  # ";" first: French Excel writes it, and ties go to it
DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
# A multi-line cell longer than this is not an address or a note but the rest of the file.
MAX_CELL_LINES = 100


def detect_delimiter(sample: str) -> tuple[str, int]:
    """The delimiter of a sample of whole lines, and the number of fields most of its records have.

    csv.Sniffer is tried first; its guess is kept unless another candidate splits more lines into the same
    number of fields (Sniffer is easily misled by title rows above the header).
    """
    counted = {delimiter: _consistency(sample, delimiter) for delimiter in CANDIDATE_DELIMITERS}
    best = max(CANDIDATE_DELIMITERS, key=lambda delimiter: counted[delimiter])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(CANDIDATE_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = best
    chosen = sniffed if sniffed in counted and counted[sniffed] >= counted[best] else best
    return chosen, counted[chosen][1]


def _consistency(sample: str, delimiter: str) -> tuple[int, int]:
    """(how many lines the records of the most common field count span, that count), for counts above one.

    Lines, not records: a wrong delimiter cuts a quoted multi-line cell ("; … ;" in a comma file) into many
    short records of one width, which would outnumber the few whole records the right delimiter reads."""
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    spans: Counter[int] = Counter()
    try:
        start = 0
        for fields in reader:
            if len(fields) > 1:
                spans[len(fields)] += reader.line_num - start
            start = reader.line_num
    except csv.Error:
        return (0, 1)
    if not spans:
        return (0, 1)
    width, lines = max(spans.items(), key=lambda item: (item[1], item[0]))
    return (lines, width)


def read_records(
    path: Path, *, encoding: str, delimiter: str, file_name: str, expected_width: int, limits: ReadLimits
) -> Iterator[Record]:
    """Every record of the file in order, blank ones included, each with the line where it starts."""
    # The module-wide limit is only ever raised, so that our own limit is the one met first.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_cell_chars + 1))
    with path.open(encoding=encoding, newline="") as stream:
        lines = _bounded_lines(stream, limits)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        records = 0
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except _LineTooLong as long_line:
                # Usually one cell is the cause: name it, as a CSV cell over the limit is named.
                pieces = long_line.text.split(delimiter)
                longest = max(range(len(pieces)), key=lambda index: len(pieces[index]))
                if len(pieces[longest]) > limits.max_cell_chars and len(pieces) <= limits.max_columns:
                    raise _cell_too_long(start, column_letter(longest), limits, file_name) from None
                raise read_error(
                    f"cette ligne contient plus de {count(_line_chars(limits))} caractères sans retour à la "
                    f"ligne : ce n'est pas une liste d'adhérents.",
                    file=file_name,
                    line=reader.line_num + 1,
                    code="line_too_long",
                    hint="Vérifiez que c'est le bon fichier, exporté au format CSV.",
                ) from None
            except csv.Error as error:
                # A cell over the limit within a few lines is long text; over many lines, an unclosed quote.
                if "field limit" in str(error) and reader.line_num - start <= MAX_CELL_LINES:
                    raise _cell_too_long(start, "", limits, file_name) from error
                raise _csv_error(error, start, reader.line_num, delimiter, file_name) from error
            except UnicodeDecodeError as error:
                raise read_error(
                    f"caractère illisible en {encoding} : l'encodage change en cours de fichier.",
                    file=file_name,
                    line=reader.line_num + 1,
                    code="encoding",
                ) from error
            records += 1
            _check_limits(fields, start, records, limits, file_name)
            if reader.line_num > start:
                _check_multiline_cells(fields, start, delimiter, expected_width, file_name)
            yield Record(start, fields)


class _LineTooLong(Exception):
    def __init__(self, text: str) -> None:
        super().__init__("line too long")
        self.text = text  # the part of the line read, up to the cap


def _line_chars(limits: ReadLimits) -> int:
    # Room for many long cells on one line, yet a file without line breaks is not read whole.
    return max(limits.max_cell_chars * 32, 1 << 20)


def _bounded_lines(stream: io.TextIOBase, limits: ReadLimits) -> Iterator[str]:
    cap = _line_chars(limits)
    while line := stream.readline(cap):
        if len(line) >= cap and not line.endswith(("\n", "\r")):
            raise _LineTooLong(line)
        yield line


def _check_limits(fields: list[str], line: int, records: int, limits: ReadLimits, file_name: str) -> None:
    if records > limits.max_rows:
        raise read_error(
            f"ce fichier a plus de {count(limits.max_rows)} lignes : Grappe en lit au plus autant par import.",
            file=file_name,
            line=line,
            code="too_many_rows",
            hint="Découpez le fichier en plusieurs imports.",
        )
    if len(fields) > limits.max_columns:
        used = max((index for index, field in enumerate(fields) if field.strip()), default=-1) + 1
        if used > limits.max_columns:
            raise read_error(
                f"cette ligne a des valeurs jusqu'à la colonne {column_letter(used - 1)} (la {count(used)}e) : "
                f"Grappe lit au plus {count(limits.max_columns)} colonnes.",
                file=file_name,
                line=line,
                column=column_letter(used - 1),
                code="too_many_columns",
                hint="Supprimez les colonnes inutiles, ou vérifiez le séparateur de colonnes du fichier.",
            )
    if fields and max(map(len, fields)) > limits.max_cell_chars:  # one pass in C for the common case
        index = next(index for index, field in enumerate(fields) if len(field) > limits.max_cell_chars)
        raise _cell_too_long(line, column_letter(index), limits, file_name)


def _cell_too_long(line: int, column: str, limits: ReadLimits, file_name: str) -> ReadError:
    return read_error(
        f"cellule trop longue : plus de {count(limits.max_cell_chars)} caractères.",
        file=file_name,
        line=line,
        column=column,
        code="cell_too_long",
        hint="Raccourcissez cette cellule (ou videz-la) et enregistrez de nouveau le fichier.",
    )


def _csv_error(error: csv.Error, start: int, end: int, delimiter: str, file_name: str) -> ReadError:
    if end > start or "end of data" in str(error) or "field limit" in str(error):
        return _unclosed_quote(start, end, file_name, column="")
    return read_error(
        f"un guillemet fermant est suivi de texte : une cellule entre guillemets doit se terminer par "
        f"le guillemet puis le séparateur ({DELIMITER_NAMES.get(delimiter, delimiter)}).",
        file=file_name,
        line=start,
        code="misplaced_quote",
        hint='Doublez les guillemets qui font partie du texte ("") ou retirez-les.',
    )


def _check_multiline_cells(
    fields: list[str], start: int, delimiter: str, expected_width: int, file_name: str
) -> None:
    # A genuine multi-line cell (an address, a comment) sits in a record of the right width. A cell that
    # swallowed the following records leaves its record with the wrong number of fields and holds lines with
    # delimiters in them; a cell of more than MAX_CELL_LINES lines is never prose from a registry.
    extra = fields[expected_width:]
    wrong_width = len(fields) < expected_width or any(field.strip() for field in extra)
    min_delimiters = max(1, (expected_width - 1) // 2)
    for index, field in enumerate(fields):
        lines = field.splitlines()
        if len(lines) < 2:
            continue
        looks_like_records = any(line.count(delimiter) >= min_delimiters for line in lines[1:])
        if len(lines) > MAX_CELL_LINES or (wrong_width and looks_like_records):
            raise _unclosed_quote(start, start + len(lines) - 1, file_name, column=column_letter(index))


def _unclosed_quote(start: int, end: int, file_name: str, *, column: str) -> ReadError:
    return read_error(
        f"guillemet ouvrant sans guillemet fermant : tout ce qui suit, jusqu'à la ligne {end}, serait lu "
        f"comme une seule cellule.",
        file=file_name,
        line=start,
        column=column,
        code="unclosed_quote",
        hint="Ajoutez le guillemet fermant à la fin de la cellule, ou retirez le guillemet ouvrant.",
    )
