"""What the normaliser makes of French names, identifiers and contact details."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grappe.france.placeholders import is_placeholder_name
from grappe.linkage.normalise import prepare, singular
from grappe.linkage.records import to_table
from grappe.linkage.settings import LinkageSettings
from grappe.linkage.vocabulary import (
    GENERIC_WORDS,
    LEGAL_FORM_WORDS,
    NAME_ABBREVIATIONS,
    STOPWORDS,
    TRAILING_LEGAL_FORM_WORDS,
)

from .conftest import record


def features(*records: dict) -> dict[str, dict]:
    with duckdb.connect() as con:
        prepared = prepare(con, to_table(list(records), label="test"), LinkageSettings())
    return {row["record_id"]: row for row in prepared.features.to_pylist()}


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Dupont SARL", "Dupont S.A.R.L."),
        ("SARL Dupont", "Dupont s.a.r.l"),
        ("ABC Informatique", "A.B.C. Informatique"),
        ("ABC Informatique", "A B C Informatique"),
        ("Dupont & Fils", "Dupont et Fils"),
        ("Société Générale d'Études", "SOCIETE GENERALE D'ETUDES SAS"),
        ("Œuvre Numérique SASU", "oeuvre numerique"),
        ("Kaliop Solutions", "Kaliop Solution"),
        ("Dupuis Informatique", "Dupuis Info"),
    ],
)
def test_name_variants_normalise_alike(left: str, right: str) -> None:
    rows = features(record("l", left), record("r", right))
    assert rows["l"]["name_norm"] == rows["r"]["name_norm"]
    assert rows["l"]["name_norm"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Action Conseil", "action conseil"),  # "actions" is a legal word only in "société par actions"
        ("Actions Numériques SAS", "action numerique"),
        ("La Coopérative Numérique", "cooperative numerique"),
        ("Responsabilité Sociale Conseil", "responsabilite sociale conseil"),
        ("Studio 1901", "studio 1901"),
        ("Kaliop Société par actions simplifiée", "kaliop"),
        ("KALIOP SOCIETE PAR ACTION SIMPLIFIEE", "kaliop"),
        ("Dupont Société à responsabilité limitée", "dupont"),
        ("Dupont SARL unipersonnelle", "dupont"),
        ("Sté Anonyme Durand", "durand"),
        ("Société coopérative d'intérêt collectif Tilia", "tilia"),
        ("Association Numélink (loi 1901)", "numelink"),
        ("Kaliop Société Anonyme, Lyon", "kaliop"),  # a seat after a spelled-out form, cut as after "SA,"
    ],
)
def test_spelled_out_legal_forms_go_as_phrases_and_their_words_stay_elsewhere(
    raw: str, expected: str
) -> None:
    assert features(record("x", raw))["x"]["name_norm"] == expected


def test_legal_form_alone_leaves_no_name() -> None:
    assert features(record("x", "S.A.R.L."))["x"]["name_norm"] is None


def test_initials_of_long_names() -> None:
    row = features(record("x", "Compagnie Générale d'Électricité"))["x"]
    assert row["name_initials"] == "cge"


def test_rare_tokens_weigh_more_than_common_ones() -> None:
    rows = features(
        record("1", "Kaliop Conseil"),
        record("2", "Atlas Conseil"),
        record("3", "Bravo Conseil"),
        record("4", "Delta Conseil"),
    )
    first = rows["1"]
    assert first["name_token_1"] == "kaliop"
    assert first["name_weight_1"] > first["name_weight_2"]


@pytest.mark.parametrize(
    "raw",
    [
        "04 77 12 34 56",
        "04.77.12.34.56",
        "0477123456",
        "+33 4 77 12 34 56",
        "+33 (0)4 77 12 34 56",
        "477123456",
    ],
)
def test_phone_in_e164(raw: str) -> None:
    assert features(record("x", "X", phone=raw))["x"]["phone"] == "+33477123456"


def test_webmail_domain_is_ignored_but_company_domain_kept() -> None:
    rows = features(
        record("1", "A", email="Jean.Dupont@Gmail.com"), record("2", "B", email="contact@kaliop.fr")
    )
    assert rows["1"]["email"] == "jean.dupont@gmail.com"
    assert rows["1"]["email_domain"] is None
    assert rows["2"]["email_domain"] == "kaliop.fr"


@pytest.mark.parametrize(
    "raw", ["https://www.kaliop.fr/", "WWW.KALIOP.FR", "http://kaliop.fr/contact?x=1", "kaliop.fr"]
)
def test_website_domain(raw: str) -> None:
    assert features(record("x", "X", website=raw))["x"]["website_domain"] == "kaliop.fr"


def test_identifiers_checked_not_trusted() -> None:
    rows = features(
        record("spaced", "A", siren="732 829 320"),
        record("from_siret", "B", siret="732 829 320 00074"),
        record("bad_key", "C", siren="732829321"),
        record("mangled", "D", siret="7,32829E+13"),
        record("lost_zero", "E", siren="54208533"),  # 054208533 read as a number
    )
    assert rows["spaced"]["siren"] == "732829320"
    assert rows["from_siret"]["siren"] == "732829320"
    assert rows["from_siret"]["siret"] == "73282932000074"
    assert rows["bad_key"]["siren"] is None
    assert rows["mangled"]["siret"] is None
    assert rows["lost_zero"]["siren"] == "054208533"


def test_address_normalisation() -> None:
    rows = features(
        record("1", "A", street="12 bd de la République", city="St-Étienne Cedex 2", postcode="42000"),
        record("2", "B", street="12 boulevard de la Republique", city="SAINT ETIENNE", postcode="42000"),
        record("3", "C", city="LYON 03", postcode="69003"),
        record("4", "D", postcode="1000"),
    )
    assert rows["1"]["street_norm"] == rows["2"]["street_norm"] == "12 boulevard de la republique"
    assert rows["1"]["city_norm"] == rows["2"]["city_norm"] == "saint etienne"
    assert rows["3"]["city_norm"] == "lyon"
    assert rows["4"]["postcode"] == "01000"
    assert rows["4"]["departement"] == "01"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("* AKZO NOBEL N.V.", "Akzo Nobel NV"),
        ("Robert Bosch GmbH", "ROBERT BOSCH G.M.B.H."),
        ("Siemens Aktiengesellschaft", "Siemens AG"),
        ("Toyota Kabushiki Kaisha", "TOYOTA K.K."),
        ("Canon Europa Naamloze Vennootschap", "Canon Europa N. V."),
        ("Basell Poliolefine Italia S.p.A.", "Basell Poliolefine Italia SpA"),
        ("Nokia Oyj", "NOKIA OY"),
        ("Volvo AB", "Volvo Aktiebolag"),
        ("Air Products and Chemicals, Inc.", "AIR PRODUCTS & CHEMICALS INCORPORATED"),
        ("Koninklijke Philips Electronics N.V.", "Philips Electronics NV"),
        ("N.V.PHILIPS' GLOEILAMPENFABRIEKEN", "Philips Gloeilampenfabrieken"),
        ("D S M N. V.", "DSM NV"),
        ("Gist-Brocades N.V., Delft, NL", "GIST BROCADES BV"),
        ("Verkade Textiel N.V. te Zaandam.", "VERKADE TEXTIEL NV"),  # Dutch seat: "te" (at) a town
        ("Tebodin Te Velde B.V.", "TEBODIN TE VELDE BV"),  # "te" inside the name stays
        # A street and its number written after the legal form: the address, not the name.
        ("Koninklijke Philips Electronics N.V. Groenewoudseweg 1", "KONINKLIJKE PHILIPS ELECTRONICS N.V."),
        ("Musterfirma GmbH Hauptstrasse 12a", "MUSTERFIRMA G.M.B.H."),
        ("Atelier 2000 SARL", "ATELIER 2000"),  # a number in the name, before the form, stays
        ("Canon Europa Naamlooze Vennootshap", "Canon Europa"),  # misspelt by one letter
        ("Koninklike Philips", "Philips"),
    ],
)
def test_foreign_legal_forms_and_seats_normalise_alike(left: str, right: str) -> None:
    rows = features(record("l", left), record("r", right))
    assert rows["l"]["name_norm"] == rows["r"]["name_norm"]
    assert rows["l"]["name_norm"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AB Conseil", "ab conseil"),  # French initials that are also a Swedish legal form
        ("A.S. Informatique", "as informatique"),
        ("Kaliop SE", "kaliop"),  # …dropped only where a legal form is written: at the end
        ("Dupont SA, filiale de Durand", "dupont"),
        ("Société Holdin", "holdin"),  # too short to be taken for a misspelt "holding"
    ],
)
def test_short_foreign_forms_are_dropped_only_at_the_end(raw: str, expected: str) -> None:
    assert features(record("x", raw))["x"]["name_norm"] == expected


# Words of at least two letters (single letters are initials, joined with their neighbours by design), of a
# length a misspelt legal form cannot have, and never a word of the lists themselves.
_KNOWN = LEGAL_FORM_WORDS | TRAILING_LEGAL_FORM_WORDS | GENERIC_WORDS | STOPWORDS | set(NAME_ABBREVIATIONS)
_KNOWN = _KNOWN | {singular(word) for word in _KNOWN}
_own_words = st.text(alphabet="bcdfgkmnprtvzaeiou", min_size=3, max_size=7).filter(
    lambda w: w not in _KNOWN and singular(w) not in _KNOWN
)
_forms = st.sampled_from(
    ["SARL", "S.A.R.L.", "N.V.", "B. V.", "GmbH", "AG", "Inc.", "Ltd", "S.p.A.", "Oy", "AB", "K.K.", "PLC",
     "LLC", "Corp.", "S.A.", "Naamloze Vennootschap", "Aktiengesellschaft", "Société"]
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(words=st.lists(_own_words, min_size=1, max_size=3), before=st.lists(_forms, max_size=2),
       after=st.lists(_forms, max_size=2), star=st.booleans(), upper=st.booleans())  # fmt: skip
def test_legal_forms_never_empty_a_name_and_normalising_twice_changes_nothing(
    words: list[str], before: list[str], after: list[str], star: bool, upper: bool
) -> None:
    raw = " ".join([*before, *words, *after])
    raw = ("* " if star else "") + (raw.upper() if upper else raw)
    # A name saying it is unknown (« none ») has no name to keep (grappe.france.placeholders).
    assume(not is_placeholder_name(raw))
    once = features(record("x", raw))["x"]["name_norm"]
    assert once is not None
    assert set(singular(word) for word in words) <= set(once.split())
    if not is_placeholder_name(once):  # « None SARL » is a name; « none » alone says there is none
        assert features(record("x", once))["x"]["name_norm"] == once
