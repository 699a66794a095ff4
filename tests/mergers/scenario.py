"""A small pair of registries built through the real intake: Numélink (Loire) and Auvergne TIC (Auvergne).

Auvergne TIC's export holds, against Numélink's:
- Atelier Forézien with the same SIREN (already one organisation after the import: a sure match), an older
  membership (seniority) and another e-mail;
- Loire Logiciels without SIREN but with the same address, e-mail and phone (a sure match by score);
- Web Roanne Studio: the same address and phone as Web Roanne but another valid SIREN (a conflict to review);
- Volcans Cloud twice (a duplicate inside the export) and Puy Data: new members.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from grappe.france.identifiers import complete_siren, complete_siret
from grappe.intake.services import import_file
from grappe.registry.models import Association, Territory

HEADERS = [
    "Raison sociale",
    "SIREN",
    "SIRET",
    "Adresse",
    "Code postal",
    "Ville",
    "E-mail de l'entreprise",
    "Téléphone de l'entreprise",
    "Site web",
    "Date d'adhésion",
    "Type d'adhésion",
    "Statut d'adhérent",
    "Prénom du contact",
    "Nom du contact",
    "E-mail du contact",
]

SIREN_ATELIER = complete_siren("81000001")
SIREN_LOIRE_LOGICIELS = complete_siren("81000002")
SIREN_WEB_ROANNE = complete_siren("81000003")
SIREN_WEB_ROANNE_STUDIO = complete_siren("82000003")
SIREN_FOREZ = complete_siren("81000004")
SIREN_VOLCANS = complete_siren("83000001")
SIREN_PUY = complete_siren("83000002")


def _siret(siren: str, n: int = 1) -> str:
    return complete_siret(f"{siren}{n:04d}")


NUMELINK_ROWS = [
    [
        "Atelier Forézien",
        SIREN_ATELIER,
        _siret(SIREN_ATELIER),
        "12 rue de la Résistance",
        "42000",
        "Saint-Étienne",
        "contact@atelier-forezien.fr",
        "04 77 10 20 30",
        "https://atelier-forezien.fr",
        "15/01/2010",
        "Entreprise",
        "à jour",
        "Paul",
        "Martin",
        "paul.martin@atelier-forezien.fr",
    ],
    [
        "Loire Logiciels",
        SIREN_LOIRE_LOGICIELS,
        _siret(SIREN_LOIRE_LOGICIELS),
        "8 place Jean Jaurès",
        "42000",
        "Saint-Étienne",
        "bonjour@loire-logiciels.fr",
        "04 77 55 66 77",
        "https://loire-logiciels.fr",
        "01/03/2012",
        "Entreprise",
        "à jour",
        "Claire",
        "Durand",
        "claire.durand@loire-logiciels.fr",
    ],
    [
        "Web Roanne",
        SIREN_WEB_ROANNE,
        _siret(SIREN_WEB_ROANNE),
        "3 rue Charles de Gaulle",
        "42300",
        "Roanne",
        "hello@webroanne.fr",
        "04 77 71 00 00",
        "https://webroanne.fr",
        "01/09/2014",
        "Start-up",
        "à jour",
        "",
        "",
        "",
    ],
    [
        "Forez Conseil",
        SIREN_FOREZ,
        _siret(SIREN_FOREZ),
        "5 avenue de la Libération",
        "42600",
        "Montbrison",
        "info@forezconseil.fr",
        "04 77 58 00 11",
        "",
        "01/02/2015",
        "Entreprise",
        "à jour",
        "",
        "",
        "",
    ],
]

AUVERGNE_ROWS = [
    [
        "ATELIER FOREZIEN",
        SIREN_ATELIER,
        _siret(SIREN_ATELIER),
        "12 rue de la Résistance",
        "42000",
        "Saint-Étienne",
        "direction@atelier-forezien.fr",
        "04 77 10 20 30",
        "",
        "10/06/2008",
        "Membre actif",
        "à jour",
        "Paul",
        "Martin",
        "paul.martin@atelier-forezien.fr",
    ],
    [
        "Loire Logiciels SAS",
        "",
        "",
        "8 place Jean Jaurès",
        "42000",
        "Saint-Étienne",
        "bonjour@loire-logiciels.fr",
        "04 77 55 66 77",
        "https://loire-logiciels.fr",
        "01/01/2011",
        "Membre actif",
        "à jour",
        "Claire",
        "DURAND",
        "c.durand@loire-logiciels.fr",
    ],
    [
        "Web Roanne Studio",
        SIREN_WEB_ROANNE_STUDIO,
        _siret(SIREN_WEB_ROANNE_STUDIO),
        "3 rue Charles de Gaulle",
        "42300",
        "Roanne",
        "studio@webroanne.fr",
        "04 77 71 00 00",
        "https://webroanne.fr",
        "01/01/2015",
        "Membre actif",
        "à jour",
        "",
        "",
        "",
    ],
    [
        "Volcans Cloud",
        SIREN_VOLCANS,
        _siret(SIREN_VOLCANS),
        "1 place de Jaude",
        "63000",
        "Clermont-Ferrand",
        "contact@volcans-cloud.fr",
        "04 73 00 11 22",
        "https://volcans-cloud.fr",
        "01/04/2013",
        "Membre actif",
        "à jour",
        "Anne",
        "Morel",
        "anne.morel@volcans-cloud.fr",
    ],
    [
        "Volcans Cloud",
        "",
        "",
        "1 place de Jaude",
        "63000",
        "Clermont-Ferrand",
        "contact@volcans-cloud.fr",
        "04 73 00 11 22",
        "https://volcans-cloud.fr",
        "01/04/2013",
        "Membre actif",
        "à jour",
        "Anne",
        "Morel",
        "anne.morel@volcans-cloud.fr",
    ],
    [
        "Puy Data",
        SIREN_PUY,
        _siret(SIREN_PUY),
        "20 boulevard Charles de Gaulle",
        "43000",
        "Le Puy-en-Velay",
        "contact@puydata.fr",
        "04 71 00 22 33",
        "",
        "01/09/2014",
        "Membre associé",
        "en attente",
        "",
        "",
        "",
    ],
]


@dataclass
class Scenario:
    numelink: Association
    auvergne_tic: Association
    auvergne_export: Path


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def build(directory: Path, *, import_absorbed: bool = True) -> Scenario:
    numelink = Association.objects.create(name="Numélink", seat_city="Saint-Étienne")
    auvergne_tic = Association.objects.create(name="Auvergne TIC", seat_city="Clermont-Ferrand")
    Territory.objects.create(association=numelink, name="Loire", departement_codes=["42"])
    Territory.objects.create(association=auvergne_tic, name="Auvergne", departement_codes=["63", "43"])
    import_file(path=write_csv(directory / "numelink.csv", NUMELINK_ROWS), association=numelink)
    export = write_csv(directory / "auvergne-tic.csv", AUVERGNE_ROWS)
    if import_absorbed:
        import_file(path=export, association=auvergne_tic)
    return Scenario(numelink=numelink, auvergne_tic=auvergne_tic, auvergne_export=export)


EFFECTIVE = datetime.date(2016, 3, 31)
