"""Header recognition on the headers French and English registry exports really use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.intake.headers import (
    FIELDS,
    header_score,
    missing_required,
    normalise_header,
    suggest_mapping,
)

CONTRACT_FIELDS = [
    "name",
    "trade_name",
    "siren",
    "siret",
    "vat",
    "legal_form",
    "naf",
    "headcount",
    "created_on",
    "street",
    "street2",
    "postcode",
    "city",
    "country",
    "email",
    "phone",
    "website",
    "joined_on",
    "annual_fee",
    "membership_type",
    "college",
    "member_status",
    "is_startup",
    "skills",
    "contact_first_name",
    "contact_last_name",
    "contact_full_name",
    "contact_email",
    "contact_phone",
    "contact_job_title",
    "notes",
]


def mapped(headers: list[str]) -> dict[str, str]:
    """Header → field, for readable assertions."""
    return {headers[index]: field for index, field in suggest_mapping(headers).items()}


def test_fields_are_the_contract_fields_and_only_the_name_is_required():
    assert list(FIELDS) == CONTRACT_FIELDS
    assert [spec.name for spec in FIELDS.values() if spec.required] == ["name"]
    assert all(spec.label and spec.name == name for name, spec in FIELDS.items())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Raison sociale", "raison sociale"),
        ("  N° SIRET ", "n siret"),
        ("Date_d'adhésion", "date d adhesion"),
        ("E-MAIL", "e mail"),
        ("Tél.", "tel"),
        ("NAF/APE", "naf ape"),
        ("Nom de l'Œuvre", "nom de l oeuvre"),
        ("Activité (APE)", "activite ape"),
        ("", ""),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


@pytest.mark.parametrize(
    ("header", "field"),
    [
        *[(h, "name") for h in ["Raison sociale", "RAISON SOCIALE", "Nom de l'entreprise", "Dénomination",
                                "Société", "Entreprise", "Organisation", "Company", "Company name", "Name",
                                "Nom", "Nom de l'adhérent", "Dénomination sociale"]],
        *[(h, "trade_name") for h in ["Enseigne", "Nom commercial"]],
        *[(h, "siret") for h in ["SIRET", "N° SIRET", "n_siret", "Numéro SIRET"]],
        *[(h, "siren") for h in ["SIREN", "N° SIREN"]],
        *[(h, "vat") for h in ["TVA intracommunautaire", "N° TVA intracom.", "Numéro de TVA", "VAT number"]],
        ("Forme juridique", "legal_form"),
        *[(h, "street") for h in ["Adresse", "Adresse 1", "Rue", "Address"]],
        *[(h, "street2") for h in ["Adresse 2", "Complément d'adresse"]],
        *[(h, "postcode") for h in ["Code postal", "CP", "C.P.", "Zip code"]],
        *[(h, "city") for h in ["Ville", "Commune", "Localité", "City"]],
        *[(h, "email") for h in ["E-mail", "Email", "Mail", "Courriel", "Adresse e-mail"]],
        *[(h, "phone") for h in ["Téléphone", "Tél.", "Tel", "Phone"]],
        *[(h, "website") for h in ["Site web", "Site internet", "Website", "URL", "Site Web entreprise"]],
        *[(h, "joined_on") for h in ["Date d'adhésion", "Adhérent depuis", "Membre depuis", "Member since"]],
        *[(h, "annual_fee") for h in ["Cotisation", "Montant cotisation", "Cotisation 2016", "Montant de la cotisation"]],
        *[(h, "headcount") for h in ["Effectif", "Effectifs", "Tranche d'effectif", "Nombre de salariés", "Nb salariés"]],
        *[(h, "naf") for h in ["Code NAF", "Code APE", "NAF/APE", "Activité (APE)", "code_naf"]],
        ("Date de création", "created_on"),
        *[(h, "membership_type") for h in ["Type d'adhésion", "Catégorie"]],
        ("Collège", "college"),
        ("Statut", "member_status"),
        *[(h, "is_startup") for h in ["Start-up", "Startup", "Start-up (oui/non)"]],
        *[(h, "skills") for h in ["Compétences", "Domaines de compétence", "Savoir-faire"]],
        *[(h, "contact_full_name") for h in ["Contact", "Nom du contact", "Représentant", "Nom et prénom"]],
        *[(h, "contact_first_name") for h in ["Prénom", "First name"]],
        *[(h, "contact_job_title") for h in ["Fonction", "Fonction du contact", "Poste"]],
        *[(h, "contact_email") for h in ["E-mail contact", "Email du contact", "Adresse e-mail du représentant"]],
        *[(h, "contact_phone") for h in ["Téléphone du contact", "Tél. contact", "Portable"]],
        *[(h, "notes") for h in ["Commentaires", "Remarques", "Observations"]],
    ],
)  # fmt: skip
def test_a_header_alone_maps_to_its_field(header, field):
    assert suggest_mapping([header]) == {0: field}


def test_nom_is_the_contact_last_name_when_there_is_a_first_name_column():
    assert mapped(["Société", "Nom", "Prénom"]) == {
        "Société": "name",
        "Nom": "contact_last_name",
        "Prénom": "contact_first_name",
    }
    assert mapped(["Nom", "Ville"]) == {"Nom": "name", "Ville": "city"}


def test_nom_du_contact_is_a_last_name_beside_a_first_name_and_a_full_name_alone():
    assert (
        mapped(["Entreprise", "Nom du contact", "Prénom du contact"])["Nom du contact"] == "contact_last_name"
    )
    assert mapped(["Entreprise", "Nom du contact"])["Nom du contact"] == "contact_full_name"


def test_email_beside_a_contact_email_is_the_company_email():
    assert mapped(["Raison sociale", "E-mail", "E-mail contact"]) == {
        "Raison sociale": "name",
        "E-mail": "email",
        "E-mail contact": "contact_email",
    }


def test_the_clearest_header_wins_a_field_and_the_other_is_left_unmapped_or_falls_back():
    assert mapped(["Nom", "Raison sociale"]) == {"Nom": "contact_last_name", "Raison sociale": "name"}
    assert mapped(["Téléphone", "Tél."]) == {"Téléphone": "phone"}  # same score: the leftmost column


def test_each_field_goes_to_one_column_at_most():
    headers = ["Société", "Entreprise", "Organisation", "SIRET", "N° SIRET", "Ville", "Commune"]
    fields = list(suggest_mapping(headers).values())

    assert len(fields) == len(set(fields))


def test_unknown_headers_are_left_out():
    assert suggest_mapping(["Raison sociale", "Couleur préférée", "", "Civilité"]) == {0: "name"}


def test_a_real_french_export_is_mapped_entirely():
    headers = [
        "Raison sociale", "Enseigne", "N° SIRET", "Forme juridique", "Code APE", "Tranche d'effectif",
        "Adresse 1", "Adresse 2", "CP", "Ville", "Tél.", "E-mail", "Site internet", "Date d'adhésion",
        "Cotisation 2016", "Collège", "Civilité", "Prénom", "Nom", "Fonction", "E-mail contact", "Portable",
    ]  # fmt: skip
    mapping = mapped(headers)

    assert mapping == {
        "Raison sociale": "name", "Enseigne": "trade_name", "N° SIRET": "siret", "Forme juridique": "legal_form",
        "Code APE": "naf", "Tranche d'effectif": "headcount", "Adresse 1": "street", "Adresse 2": "street2",
        "CP": "postcode", "Ville": "city", "Tél.": "phone", "E-mail": "email", "Site internet": "website",
        "Date d'adhésion": "joined_on", "Cotisation 2016": "annual_fee", "Collège": "college",
        "Prénom": "contact_first_name", "Nom": "contact_last_name", "Fonction": "contact_job_title",
        "E-mail contact": "contact_email", "Portable": "contact_phone",
    }  # fmt: skip
    assert not missing_required(suggest_mapping(headers))


def test_a_real_english_export_is_mapped():
    headers = ["Company name", "Website", "VAT number", "Legal form", "Postal code", "City", "First name",
               "Last name", "Job title", "Member since", "Membership fee"]  # fmt: skip

    assert set(mapped(headers)) == set(headers)


def test_header_score_counts_clear_headers_only():
    assert header_score(["Raison sociale", "SIRET", "Ville", "Colonne perso"]) == 3
    assert header_score(["Liste des adhérents au 31/03/2016"]) == 0
    assert header_score(["Alpha Conseil", "41234567800012", "Saint-Étienne", "contact@alpha.fr"]) == 0


def test_missing_required_names_the_company_name():
    assert [spec.name for spec in missing_required(suggest_mapping(["Ville", "SIRET"]))] == ["name"]


@given(st.lists(st.text(max_size=20), max_size=12))
def test_suggest_mapping_never_fails_and_maps_each_field_once(headers):
    mapping = suggest_mapping(headers)

    assert set(mapping) <= set(range(len(headers)))
    assert len(set(mapping.values())) == len(mapping)
    assert set(mapping.values()) <= set(FIELDS)


@pytest.mark.parametrize(
    "header", ["Pays", "Country", "Pays (code)", "Code pays", "Land", "COUNTRY CODE", "pays"]
)
def test_country_headers_are_recognised(header):
    assert suggest_mapping(["Raison sociale", header, "Ville"]) == {0: "name", 1: "country", 2: "city"}
