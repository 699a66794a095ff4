"""Read a text file's bytes once: hash them, check whether they are UTF-8, and choose an encoding.

Policy, in order: a byte-order mark decides (UTF-8 or UTF-16, as Excel writes them, or UTF-32, whose
little-endian mark begins with UTF-16's and is therefore tested first); a file that is valid
UTF-8 throughout is UTF-8; a file that is UTF-8 in its first part and not later was pasted together from two
exports and is refused with the line where it changes; anything else is a legacy single-byte encoding chosen by
charset-normalizer among the ones French offices produce (cp1252, latin-1, Mac Roman), preferring cp1252 over
latin-1 because latin-1 turns cp1252's €, œ, « ’ » into invisible control characters, and accepted only when
its non-ASCII characters are Western letters and French typography (else the file is refused: its accents
would be read wrong). Statistical guessing can still confuse cp1252 and Mac Roman on a very short file with
few accents; cp1252, by far the more common, wins such ties.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from .base import ReadError, read_error

CHUNK_SIZE = 1 << 20
HEAD_SIZE = 1 << 16  # enough for format sniffing, the dialect sample and the header search
# Legacy encodings of French office files (Windows, ISO, "CSV (Macintosh)" from Excel for Mac), in order of
# preference when charset-normalizer finds them equally plausible. DOS code pages are left out: no tool of
# this century exports CSV in them, and their letters are easily mistaken for a mangled cp1252.
LEGACY_ENCODINGS = ("cp1252", "latin_1", "mac_roman")
_OUR_NAMES = {"cp1252": "cp1252", "latin_1": "latin-1", "mac_roman": "mac-roman"}
_CP1252_UNDEFINED = bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D])
_CHAOS_TOLERANCE = 0.02
_CP1252_TOLERANCE = 0.15
_CHAOS_THRESHOLD = 0.5
# Letters of Western European languages and the signs of French typography, as found in registries.
_WESTERN_CHARACTERS = frozenset(
    [chr(code) for code in range(0xC0, 0x100) if code not in (0xD7, 0xF7)]
    + list("ŒœŸ«»€’‘“”‚„–—…°·•\xa0©®™²³±µ×÷§¼½¾¡¿ªº")
)
_WESTERN_SHARE = 0.9
# Bytes that never occur in text; a few stray ones are reported per cell, many mean a binary file.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_BINARY_NUL_RATIO = 0.10
_BINARY_CONTROL_RATIO = 0.05
# How much valid multi-byte UTF-8 (counted in continuation bytes) must precede an invalid byte to call the file
# "mixed" rather than legacy: cp1252 text can form a valid UTF-8 pair by chance (« É » then a no-break space).
_MIXED_MIN_UTF8_EXTRA_BYTES = 4

_ENCODING_HINT = (
    "Enregistrez le fichier en « CSV UTF-8 » depuis Excel ou LibreOffice, puis importez-le de nouveau."
)


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    head: bytes
    utf8_error: int | None  # byte offset of the first byte that is not UTF-8, None when all of it is
    utf8_error_line: int | None
    utf8_extra_bytes: int  # continuation bytes of the valid UTF-8 characters before the first error
    error_window: bytes  # bytes around the first non-UTF-8 byte: the best sample of the legacy encoding


def scan_file(path: Path) -> FileScan:
    """One pass over the file in chunks: its hash, its head and where (if anywhere) it stops being UTF-8."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    size = newlines = utf8_extra = 0
    error: int | None = None
    error_line: int | None = None
    window = b""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            if len(head) < HEAD_SIZE:
                head += chunk[: HEAD_SIZE - len(head)]
            if error is None:
                try:
                    utf8_extra += _continuation_bytes(chunk, decoder.decode(chunk))
                    newlines += chunk.count(b"\n")
                except UnicodeDecodeError as failure:
                    pending = len(failure.object) - len(chunk)
                    error = size - pending + failure.start
                    valid = failure.object[: failure.start]
                    utf8_extra += _continuation_bytes(valid, valid.decode("utf-8", errors="ignore"))
                    error_line = newlines + valid.count(b"\n") + 1
                    middle = max(0, failure.start - pending)
                    window = chunk[max(0, middle - HEAD_SIZE // 2) : middle + HEAD_SIZE // 2]
            size += len(chunk)
    if error is None and size:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends in the middle of a multi-byte character
            error, error_line, window = size - 1, newlines + 1, head[-1:]
    return FileScan(digest.hexdigest(), size, head, error, error_line, utf8_extra, window)


def _continuation_bytes(data: bytes, text: str) -> int:
    # Each multi-byte character is one to three bytes longer than the one character it decodes to.
    return len(data) - len(text)


def choose_encoding(path: Path, scan: FileScan, *, file_name: str) -> str:
    """The encoding to read the whole file with, by the policy in the module docstring."""
    if scan.head.startswith(codecs.BOM_UTF8):
        if scan.utf8_error is not None:
            raise _mixed_encoding(scan, file_name)
        return "utf-8-sig"
    if scan.head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _checked(path, "utf-32", file_name)
    if scan.head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, "utf-16", file_name)
    if looks_binary(scan.head, valid_utf8=scan.utf8_error is None):
        raise read_error(
            "ce fichier n'est ni un fichier texte (CSV) ni un classeur XLSX ou ODS : son contenu est binaire.",
            file=file_name,
            code="binary",
            hint="Exportez la liste des adhérents au format CSV, XLSX ou ODS depuis le logiciel d'origine.",
        )
    if scan.utf8_error is None:
        return "utf-8"
    if scan.utf8_extra_bytes >= _MIXED_MIN_UTF8_EXTRA_BYTES:
        raise _mixed_encoding(scan, file_name)
    return _legacy_encoding(path, scan, file_name)


def looks_binary(head: bytes, *, valid_utf8: bool) -> bool:
    """Many NUL bytes, or many control bytes in something that is not even UTF-8: not a text file.

    A few stray NULs are left to the row checks, which report their line and column; control characters in
    valid UTF-8 are odd text but text.
    """
    if not head:
        return False
    nuls = head.count(0) / len(head)
    controls = (len(head) - len(head.translate(None, _CONTROL_BYTES))) / len(head)
    return nuls > _BINARY_NUL_RATIO or (controls > _BINARY_CONTROL_RATIO and not valid_utf8)


def _legacy_encoding(path: Path, scan: FileScan, file_name: str) -> str:
    sample = (
        scan.head
        if scan.utf8_error is not None and scan.utf8_error < len(scan.head)
        else scan.head + scan.error_window
    )
    # cp1252 text with a stray byte that cp1252 leaves undefined is read as latin-1, which has the same
    # letters: its letters are judged without those bytes (latin-1 turns them into control characters).
    letters_only = sample.translate(None, _CP1252_UNDEFINED)
    for encoding in [*_ranked_candidates(sample), "latin_1"]:
        judged = letters_only if encoding == "latin_1" else sample
        if _reads_as_western_text(judged, encoding) and _decodes(path, encoding):
            return _OUR_NAMES[encoding]
    raise _unknown_encoding(scan, file_name)


def _ranked_candidates(sample: bytes) -> list[str]:
    """The legacy encodings charset-normalizer accepts, least chaotic first; near ties in LEGACY_ENCODINGS order.

    Its default chaos threshold (0.2) rejects short or repetitive French samples (« Société Société Déjà »),
    so a looser one is used and `_reads_as_western_text` guards against mojibake instead. Its verdict is still
    needed: Mac Roman maps nearly every byte to a Western letter, so that check alone would accept anything.
    """
    matches = charset_normalizer.from_bytes(
        sample, cp_isolation=list(LEGACY_ENCODINGS), threshold=_CHAOS_THRESHOLD
    )
    chaos = {match.encoding: match.chaos for match in matches}
    if "cp1252" in chaos:
        chaos.setdefault("latin_1", chaos["cp1252"])  # same letters; charset-normalizer often lists only one
    least = min(chaos.values(), default=0.0)

    def rank(encoding: str) -> tuple[float, int]:
        preference = LEGACY_ENCODINGS.index(encoding)
        # cp1252 is far the most common, and a real Mac Roman file fails its Western-text check (é reads Ž):
        # it keeps the lead unless another encoding is clearly less chaotic (« 5 € » reads « 5 Ä » otherwise).
        tolerance = _CP1252_TOLERANCE if encoding == "cp1252" else _CHAOS_TOLERANCE
        if chaos[encoding] <= least + tolerance:
            return (0.0, preference)  # equally plausible: our preference decides
        return (chaos[encoding], preference)

    return sorted(chaos, key=rank)


def _reads_as_western_text(sample: bytes, encoding: str) -> bool:
    """Whether the sample's non-ASCII characters, in this encoding, are letters and signs of Western text.

    Reading bytes in the wrong single-byte encoding yields symbols (Ž, ƒ, ˆ, ‡) or control characters;
    the right one yields é, è, ç, œ, «, », €, ’…
    """
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    foreign = [char for char in text if char >= "\x80"]
    if not foreign:
        return True
    western = sum(1 for char in foreign if char in _WESTERN_CHARACTERS)
    return western / len(foreign) >= _WESTERN_SHARE


def _checked(path: Path, encoding: str, file_name: str) -> str:
    if not _decodes(path, encoding):
        raise read_error(
            f"ce fichier annonce l'encodage {encoding.upper()} mais contient des octets invalides.",
            file=file_name,
            code="encoding",
            hint=_ENCODING_HINT,
        )
    return encoding


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_SIZE):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _mixed_encoding(scan: FileScan, file_name: str) -> ReadError:
    return read_error(
        "le début du fichier est en UTF-8 mais cette ligne ne l'est pas : le fichier mélange deux "
        "encodages (par exemple deux exports collés l'un à l'autre).",
        file=file_name,
        line=scan.utf8_error_line,
        code="mixed_encoding",
        hint="Ouvrez-le dans un tableur, corrigez les caractères accentués de cette ligne et enregistrez-le "
        "en « CSV UTF-8 ».",
    )


def _unknown_encoding(scan: FileScan, file_name: str) -> ReadError:
    return read_error(
        "l'encodage des caractères de ce fichier n'a pas été reconnu (ni UTF-8, ni Windows-1252, ni Latin-1, "
        "ni Mac Roman) : les accents seraient mal lus.",
        file=file_name,
        line=scan.utf8_error_line,
        code="encoding",
        hint=_ENCODING_HINT,
    )


def decoded_head(scan: FileScan, encoding: str) -> str:
    """The head of the file as text, cut after its last complete line when the file is longer than the head."""
    text = scan.head.decode(encoding, errors="ignore")
    if scan.size > len(scan.head):
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[: cut + 1] if cut >= 0 else text
    return text
