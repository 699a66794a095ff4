"""Row validation: every cell normalised through grappe.france, every refusal a located issue."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grappe.intake.headers import suggest_mapping
from grappe.intake.reading import Row
from grappe.intake.validation import ERROR, WARNING, RowValidator, role_kind, split_full_name
from grappe.registry.models import Membership, Role

from .conftest import siret


def validate(cells: dict[str, str], line: int = 2):
    headers = tuple(cells)
    validator = RowValidator(headers=headers, mapping=suggest_mapping(headers))
    return validator.validate(Row(line=line, cells=tuple(cells.values())))


def values(result) -> dict[str, object]:
    return {key: value.value for key, value in result.values.items()}


def codes(result) -> dict[str, str]:
    return {issue.code: issue.severity for issue in result.issues}


def test_a_good_row_is_normalised_and_every_value_knows_its_column():
    result = validate(
        {
            "Raison sociale": "  Numérique   Loire SAS ",
            "SIRET": siret(1).replace("", " ").strip(),
            "Code postal": "42000",
            "Ville": "ST ETIENNE",
            "E-mail": "Contact@Numerique-Loire.FR",
            "Téléphone": "04 77 12 34 56",
            "Site web": "https://www.numerique-loire.fr/accueil",
            "Date d'adhésion": "31 mars 2016",
            "Cotisation": "1 200,00 €",
            "Code NAF": "6201z",
            "Effectif": "10 à 19 salariés",
        }
    )

    assert result.issues == []
    stored = values(result)
    assert stored["organisation.name"] == "Numérique Loire SAS"
    assert stored["establishment.siret"] == siret(1)
    assert stored["organisation.siren"] == siret(1)[:9]  # derived from the valid SIRET
    assert result.values["organisation.siren"].column == "SIRET"
    assert stored["organisation.legal_form_code"] == "5710"  # found in the name
    assert result.values["organisation.legal_form_code"].column == "Raison sociale"
    assert stored["establishment.commune_code"] == "42218"
    assert stored["establishment.departement_code"] == "42"
    assert stored["organisation.phone"] == "+33477123456"
    assert stored["organisation.website_domain"] == "numerique-loire.fr"
    assert stored["membership.starts_on"] == datetime.date(2016, 3, 31)
    assert stored["membership.annual_fee"] == Decimal("1200.00")
    assert stored["organisation.naf_code"].replace(".", "") == "6201Z"
    assert stored["organisation.naf_version"] == "NAFRev2"
    assert stored["organisation.headcount_bracket"] == "11"


def test_a_row_without_a_company_name_is_an_error():
    result = validate({"Raison sociale": "  ", "Ville": "Lyon"})

    assert result.has_errors
    [issue] = result.issues
    assert (issue.code, issue.severity, issue.column, issue.line) == (
        "name.missing",
        ERROR,
        "Raison sociale",
        2,
    )


def test_a_repeated_header_line_is_an_error():
    result = validate({"Raison sociale": "Raison sociale", "Ville": "Ville", "SIRET": "SIRET"})

    assert codes(result) == {"row.repeated_header": ERROR}


@pytest.mark.parametrize(
    ("raw", "code"),
    [("4,12345E+13", "siret.spreadsheet_mangled"), ("41234567800012.0", "siret.spreadsheet_mangled")],
)
def test_a_siret_mangled_by_a_spreadsheet_is_refused_with_a_warning(raw, code):
    result = validate({"Raison sociale": "Alpha", "SIRET": raw})

    assert codes(result) == {code: WARNING}
    assert not result.has_errors
    assert "establishment.siret" not in result.values and "organisation.siren" not in result.values
    assert result.issues[0].value == raw  # the report shows the verbatim cell


def test_a_bad_checksum_refuses_the_value_not_the_row():
    bad = siret(1)[:-1] + str((int(siret(1)[-1]) + 1) % 10)
    result = validate({"Raison sociale": "Alpha", "SIRET": bad})

    assert codes(result) == {"siret.checksum": WARNING}
    assert values(result) == {"organisation.name": "Alpha"}


def test_conflicting_siren_and_siret_refuse_both():
    result = validate({"Raison sociale": "Alpha", "SIREN": siret(2)[:9], "SIRET": siret(1)})

    assert [issue.column for issue in result.issues] == ["SIREN", "SIRET"]
    assert {issue.code for issue in result.issues} == {"siren.siret_conflict"}
    assert "organisation.siren" not in result.values and "establishment.siret" not in result.values


def test_a_vat_number_of_another_company_is_refused():
    result = validate(
        {"Raison sociale": "Alpha", "SIRET": siret(1), "TVA intracommunautaire": "FR 40 303265045"}
    )

    assert "vat.siren_conflict" in codes(result)
    assert "organisation.vat_number" not in result.values


def test_a_postcode_that_does_not_serve_the_city_refuses_the_place():
    result = validate({"Raison sociale": "Alpha", "Code postal": "42000", "Ville": "Lyon"})

    assert codes(result) == {"place.mismatch": WARNING}
    assert result.issues[0].column == "Ville"
    assert not result.group("establishment")


@pytest.mark.parametrize(
    ("header", "raw", "code_prefix"),
    [
        ("E-mail", "contact@@exemple", "email."),
        ("Date d'adhésion", "le mois dernier", "date."),
        ("Cotisation", "beaucoup", "amount."),
        ("Code NAF", "99.99Q", "naf."),
    ],
)
def test_unreadable_values_are_warnings_with_what_was_expected(header, raw, code_prefix):
    result = validate({"Raison sociale": "Alpha", header: raw})

    [issue] = result.issues
    assert issue.code.startswith(code_prefix)
    assert issue.severity == WARNING and issue.column == header and issue.value == raw
    assert issue.expected and issue.message
    assert list(result.values) == ["organisation.name"]


def test_the_legal_form_column_wins_over_the_name():
    result = validate({"Raison sociale": "Alpha SARL", "Forme juridique": "SAS"})

    assert result.values["organisation.legal_form_code"].value == "5710"
    assert result.values["organisation.legal_form_code"].column == "Forme juridique"


def test_member_status_words_are_understood_and_unknown_ones_flagged():
    assert validate({"Raison sociale": "A", "Statut": "Radié"}).values["membership.status"].value == (
        Membership.Status.ENDED
    )
    unknown = validate({"Raison sociale": "A", "Statut": "peut-être"})
    assert codes(unknown) == {"member_status.unknown": WARNING}


def test_a_contact_full_name_is_split_and_a_role_is_derived_from_the_job_title():
    result = validate(
        {"Raison sociale": "A", "Contact": "Jean-Luc MARTIN", "Fonction du contact": "Président"}
    )

    assert values(result)["person.first_name"] == "Jean-Luc"
    assert values(result)["person.last_name"] == "MARTIN"
    assert values(result)["role.kind"] == Role.Kind.EXECUTIVE


def test_too_long_texts_are_refused_before_the_database_would():
    result = validate({"Raison sociale": "A", "Collège": "x" * 200})

    assert codes(result) == {"text.too_long": WARNING}
    assert "membership.college" not in result.values


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("Marie DUPONT", ("Marie", "DUPONT")),
        ("DUPONT Marie", ("Marie", "DUPONT")),
        ("Marie Dupont", ("Marie", "Dupont")),
    ],
)
def test_split_full_name(full, expected):
    assert split_full_name(full) == expected


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Représentant titulaire", "representative"),
        ("Suppléante", "alternate"),
        ("Gérant", "executive"),
        ("DAF", "contact"),
    ],
)
def test_role_kind(title, kind):
    assert role_kind(title) == kind
