"""Dates as French registries write them.

Accepted: "31/03/2016", "31-03-2016", "31.03.2016", "31/03/16", "2016-03-31" (with or without a midnight
time, as spreadsheets export it), "31 mars 2016", "1er avril 2016", "mardi 31 mars 2016", "31 janv. 2016",
"31032016" and "20160331", spreadsheet serial numbers written as text ("42460" → 2016-03-31), and a month
alone ("mars 2016", "03/2016"), read as the first day of that month because registries use it for
"member since March 2016". Day first, always: "03/31/2016" is refused, not silently swapped.

Two-digit years follow the POSIX rule: 00–68 → 2000–2068, 69–99 → 1969–1999.
"""

from __future__ import annotations

import calendar
import datetime
import re

from .problems import Checked, _, empty, refused, remembered
from .text import clean_text, fold

FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_MONTHS = {fold(name): number for number, name in enumerate(FRENCH_MONTHS, 1)}
_MONTHS |= {
    "janv": 1,
    "jan": 1,
    "fev": 2,
    "fevr": 2,
    "avr": 4,
    "juil": 7,
    "aou": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Excel's day 0 is 1899-12-30 (it counts 1900 as a leap year; starting the count one day early absorbs that
# for every date after February 1900). Five digits cover 1927-05-18 to 2173-10-14.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SERIAL = re.compile(r"^(\d{5})(?:[.,]0+)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$")
_COMPACT = re.compile(r"^\d{8}$")
_MONTH_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_WORDS = re.compile(r"^(?:(\d{1,2}) ?(?:er)? )?([a-z]+) (\d{4})$")

EARLIEST = datetime.date(1600, 1, 1)  # older than any legal entity a registry holds
LATEST = datetime.date(2200, 12, 31)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year <= 68 else 1900 + year
    return year


def _parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) read from the text, not yet checked for existence."""
    numeric = _NUMERIC.match(text)
    if numeric:
        return _full_year(numeric[3]), int(numeric[2]), int(numeric[1])
    iso = _ISO.match(text)
    if iso:
        return int(iso[1]), int(iso[2]), int(iso[3])
    if _COMPACT.match(text):
        # "20160331" when it starts like a year and reads as a real date, else "31032016".
        if text[:2] in ("19", "20") and _exists(int(text[:4]), int(text[4:6]), int(text[6:])):
            return int(text[:4]), int(text[4:6]), int(text[6:])
        return int(text[4:]), int(text[2:4]), int(text[:2])
    month_only = _MONTH_NUMERIC.match(text)
    if month_only:
        return int(month_only[2]), int(month_only[1]), 1
    return _words(text)


def _words(text: str) -> tuple[int, int, int] | None:
    """ "31 mars 2016", "1er avril 2016", "mardi 31 mars 2016", "mars 2016"."""
    folded = fold(text)
    words = folded.split()
    if words and words[0] in _WEEKDAYS:
        folded = " ".join(words[1:])
    match = _WORDS.match(folded)
    if not match or match[2] not in _MONTHS:
        return None
    return int(match[3]), _MONTHS[match[2]], int(match[1]) if match[1] else 1


def _exists(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= year <= 9999 and 1 <= day <= calendar.monthrange(year, month)[1]


@remembered
def check_date(raw: str | None) -> Checked[datetime.date]:
    """A date, day first; see the module documentation for the accepted forms."""
    text = clean_text(raw)
    if not text:
        return empty()
    serial = _SERIAL.match(text)
    if serial:
        return _within_bounds(text, _EXCEL_EPOCH + datetime.timedelta(days=int(serial[1])))
    if re.fullmatch(r"\d{4}", text):
        return refused(
            "date.year_only",
            _(
                "Date « %(value)s » incomplète : une année seule ne suffit pas, une date comme 31/03/2016 est attendue."
            ),
            value=text,
        )
    parts = _parts(text)
    if parts is None:
        return refused(
            "date.format",
            _(
                "Date « %(value)s » illisible : une date comme 31/03/2016, 2016-03-31 ou 31 mars 2016 est "
                "attendue."
            ),
            value=text[:40],
        )
    year, month, day = parts
    if not _exists(year, month, day):
        return _impossible(text, year, month, day)
    return _within_bounds(text, datetime.date(year, month, day))


def _impossible(text: str, year: int, month: int, day: int) -> Checked[datetime.date]:
    if not 1 <= month <= 12:
        return refused(
            "date.impossible",
            _(
                "Date « %(value)s » impossible : le mois %(month)s n'existe pas. Le jour vient en premier "
                "(JJ/MM/AAAA)."
            ),
            value=text[:40],
            month=month,
        )
    last = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if day < 1 or year < 1:
        return refused(
            "date.impossible",
            _("Date « %(value)s » impossible : un jour entre 1 et 31 et une année réelle sont attendus."),
            value=text[:40],
        )
    return refused(
        "date.impossible",
        _("Date « %(value)s » impossible : %(month_name)s %(year)s n'a que %(last)s jours."),
        value=text[:40],
        month_name=FRENCH_MONTHS[month - 1],
        year=year,
        last=last,
    )


def _within_bounds(text: str, value: datetime.date) -> Checked[datetime.date]:
    if EARLIEST <= value <= LATEST:
        return Checked(value)
    return refused(
        "date.out_of_range",
        _("Date « %(value)s » improbable (%(date)s) : une date entre 1600 et 2200 est attendue."),
        value=text[:40],
        date=value.strftime("%d/%m/%Y") if value.year >= 1000 else value.isoformat(),
    )


def format_date(value: datetime.date) -> str:
    """The French numeric form, "31/03/2016"."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_date_long(value: datetime.date) -> str:
    """The French written form, "1er avril 2016"."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {FRENCH_MONTHS[value.month - 1]} {value.year}"
