"""The territory rules (``grappe.core.access``) on every page: each route of the URL conf × each role
(anonymous, head office, territorial staff in the object's territory, territorial staff outside it) × the
object's territory, asserting the status and that no e-mail, phone or name of an organisation outside the
reader's territory appears in the answer.

The world: Numélink (Loire, 42) and Auvergne TIC (Auvergne, 63 and 43) imported through the intake
(``tests/mergers/scenario.py``), Auvergne TIC planned into Numélink, and two imports through the web pages with
rejected rows in both territories. The cast: the director (head office), a permanent of the Clermont antenna
(Auvergne) and one of Clust'R Numérique's Grenoble antenna (Isère, 38), each holding the import and merger
rights.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from grappe.intake.models import ImportJob
from grappe.mergers import services as merger_services
from grappe.mergers.models import CandidatePair, Merger, PlanJob
from grappe.registry.models import (
    Association,
    Establishment,
    Membership,
    Office,
    Organisation,
    Person,
    Role,
    SourceRecord,
    StaffMember,
    Territory,
)
from intake.conftest import HEADERS, member_row
from mergers import scenario

pytestmark = pytest.mark.django_db

AUVERGNE = frozenset({"63", "43"})


@dataclass
class World:
    numelink: Association
    auvergne_tic: Association
    auvergne: Territory
    merger: Merger
    plan_job: PlanJob
    mixed_job: ImportJob  # the director's import: rows in Auvergne and in the Loire
    loire_job: ImportJob  # the director's import: rows in the Loire only
    users: dict[str, Any] = field(default_factory=dict)


def _staff(django_user_model, username: str, office: Office) -> Any:
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers"),
        Permission.objects.get(codename="add_importjob", content_type__app_label="intake"),
    )
    StaffMember.objects.create(
        association=office.association, office=office, user=user, first_name=username, last_name="X"
    )
    return user


def _write(path: Path, rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def _web_import(client: Client, association: Association, path: Path) -> ImportJob:
    with path.open("rb") as stream:
        client.post(reverse("intake:upload"), {"association": association.pk, "file": stream})
    job = ImportJob.objects.latest("pk")
    data = {f"column_{index}": name for index, name in job.column_mapping.items()} | {"validate": "1"}
    client.post(reverse("intake:mapping", args=[job.pk]), data)
    client.post(reverse("intake:run", args=[job.pk]), {"skip_invalid": "on"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED, job.failure
    return job


def build_world(directory: Path, django_user_model) -> World:
    base = scenario.build(directory)
    loire = Territory.objects.get(name="Loire")
    auvergne = Territory.objects.get(name="Auvergne")
    clustr = Association.objects.create(name="Clust'R Numérique")
    isere = Territory.objects.create(association=clustr, name="Isère", departement_codes=["38"])
    head = Office.objects.create(
        association=base.numelink, territory=loire, kind=Office.Kind.HEAD_OFFICE, name="Siège"
    )
    clermont = Office.objects.create(
        association=base.auvergne_tic, territory=auvergne, kind=Office.Kind.ANTENNA, name="Clermont"
    )
    grenoble = Office.objects.create(
        association=clustr, territory=isere, kind=Office.Kind.ANTENNA, name="Grenoble"
    )
    users = {
        "national": _staff(django_user_model, "direction", head),
        "in_territory": _staff(django_user_model, "permanent.clermont", clermont),
        "out_of_territory": _staff(django_user_model, "permanent.grenoble", grenoble),
    }
    merger = merger_services.plan_merger(
        absorbing=base.numelink,
        absorbed=base.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        user=users["national"],
    )
    plan_job = PlanJob.objects.create(
        absorbing=base.numelink,
        absorbed=base.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        status=PlanJob.Status.PLANNED,
        merger=merger,
        created_by=users["national"],
    )
    director = Client()
    director.force_login(users["national"])
    mixed = _write(
        directory / "mixed.csv",
        [
            member_row(1, **{"Raison sociale": "Clermont Numérique", "Code postal": "63000",
                             "Ville": "Clermont-Ferrand", "E-mail": "contact@clermont-numerique.fr",
                             "Téléphone": "04 73 11 22 33"}),
            member_row(2, **{"Raison sociale": "Saint-Chamond Web", "Code postal": "42400",
                             "Ville": "Saint-Chamond", "E-mail": "contact@stchamond-web.fr",
                             "Téléphone": "04 77 22 33 44"}),
            member_row(3, **{"Raison sociale": "", "Code postal": "63100", "Ville": "Clermont-Ferrand",
                             "E-mail": "rejet@clermont-rejet.fr", "Téléphone": "04 73 55 66 77"}),
            member_row(4, **{"Raison sociale": "", "Code postal": "42000", "Ville": "Saint-Étienne",
                             "E-mail": "rejet@loire-rejet.fr", "Téléphone": "04 77 99 88 77"}),
        ],
    )
    only_loire = _write(
        directory / "loire.csv",
        [
            member_row(5, **{"Raison sociale": "Roanne Pixel", "Code postal": "42300", "Ville": "Roanne",
                             "E-mail": "contact@roanne-pixel.fr", "Téléphone": "04 77 33 44 55"}),
            member_row(6, **{"Raison sociale": "", "Code postal": "42300", "Ville": "Roanne",
                             "E-mail": "rejet@roanne-rejet.fr", "Téléphone": "04 77 66 55 44"}),
        ],
    )
    return World(
        numelink=base.numelink,
        auvergne_tic=base.auvergne_tic,
        auvergne=auvergne,
        merger=merger,
        plan_job=plan_job,
        mixed_job=_web_import(director, base.auvergne_tic, mixed),
        loire_job=_web_import(director, base.numelink, only_loire),
        users=users,
    )


def test_explore(tmp_path, settings, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(tmp_path, django_user_model)
    for pair in world.merger.pairs.all():
        print(pair.pk, pair.kind, pair.band, pair.left_label, pair.left_values.get("departements"), "|", pair.right_label, pair.right_values.get("departements"), pair.decision, pair.conflicts)
    for org in Organisation.objects.all():
        print(org.pk, org.name, org.email, org.phone, list(org.establishments.values_list("departement_code", "email", "phone")))
    print(list(Person.objects.values_list("first_name", "last_name", "email")))
    print(list(SourceRecord.objects.filter(status="rejected").values_list("source_file_id", "line_number", "values")))
    assert 0
