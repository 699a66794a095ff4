"""Shared cast and fixture files for the import tests: files are written into ``tmp_path`` by each test."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from grappe.france.identifiers import complete_siren, complete_siret
from grappe.registry.models import Association

HEADERS = [
    "Raison sociale",
    "SIRET",
    "Adresse",
    "Code postal",
    "Ville",
    "E-mail",
    "Téléphone",
    "Site web",
    "Date d'adhésion",
    "Cotisation",
    "Code NAF",
    "Statut",
    "Nom du contact",
    "Prénom du contact",
    "E-mail du contact",
    "Fonction du contact",
]


def siret(n: int, establishment: int = 1) -> str:
    """A valid SIRET for company number ``n`` and its establishment number ``establishment``."""
    siren = complete_siren(f"{400000000 + n * 7:08d}"[-8:])
    return complete_siret(f"{siren}{establishment:04d}")


def member_row(n: int, **overrides: str) -> list[str]:
    values = {
        "Raison sociale": f"Entreprise {n} SAS",
        "SIRET": siret(n),
        "Adresse": f"{n} rue de la Montat",
        "Code postal": "42000",
        "Ville": "Saint-Étienne",
        "E-mail": f"contact@entreprise{n}.fr",
        "Téléphone": "04 77 12 34 56",
        "Site web": f"https://www.entreprise{n}.fr/",
        "Date d'adhésion": "12/03/2016",
        "Cotisation": "1 200,00 €",
        "Code NAF": "62.01Z",
        "Statut": "à jour",
        "Nom du contact": "DUPONT",
        "Prénom du contact": "Marie",
        "E-mail du contact": f"marie@entreprise{n}.fr",
        "Fonction du contact": "Gérante",
    }
    values.update(overrides)
    return [values[header] for header in HEADERS]


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        rows: Sequence[Sequence[str]],
        *,
        headers: Sequence[str] = HEADERS,
        name: str = "membres.csv",
        encoding: str = "utf-8",
        delimiter: str = ";",
    ) -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as stream:
            writer = csv.writer(stream, delimiter=delimiter)
            writer.writerow(headers)
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    from openpyxl import Workbook

    def write(rows: Sequence[Sequence[str]], *, sheet: str = "Adhérents", name: str = "membres.xlsx") -> Path:
        workbook = Workbook()
        worksheet = workbook.active
        worksheet.title = sheet
        worksheet.append(
            ["Liste des adhérents au 31/12/2024"]
        )  # a title row above the header, as exports have
        worksheet.append(HEADERS)
        for row in rows:
            worksheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def association(db: None) -> Association:
    Association.objects.create(name="Numélink", short_name="NL")
    return Association.objects.create(name="Auvergne TIC")


@pytest.fixture
def importer(db: None, django_user_model):
    user = django_user_model.objects.create_user("claire", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="add_importjob", content_type__app_label="intake")
    )
    return user


def table_counts() -> dict[str, int]:
    """Rows in every table of the registry and intake apps: compared before and after a refused import."""
    models = [*apps.get_app_config("registry").get_models(), *apps.get_app_config("intake").get_models()]
    return {model._meta.label: model.objects.count() for model in models}


@pytest.fixture
def counts() -> Callable[[], dict[str, int]]:
    return table_counts
