"""The import's write path produces exactly the registry rows and lineage recorded before it was made fast.

``data/write_equivalence.json`` is a canonical dump of the registry after two imports, taken on the code
that wrote with ``bulk_create`` (issue 13, point 7): every registry and intake row, primary keys replaced by
their rank in their table (creation order), foreign keys and lineage targets by the rank of the row they
point to, times by whether they are set. Any change to what an import writes — a value, a lineage row, its
target, its order, a counter — shows here as a difference. To record the dump again, on purpose:
``GRAPPE_RECORD_WRITE_DUMP=1 pytest tests/intake/test_write_equivalence.py``.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models

from grappe.intake import services
from grappe.intake.questions import ImportAnswers
from grappe.intake.reading import open_table
from grappe.intake.selectors import resolve_mapping
from grappe.registry.models import (
    College,
    Establishment,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
)

from .conftest import HEADERS, member_row, siret

pytestmark = pytest.mark.django_db

DUMP = Path(__file__).parent / "data" / "write_equivalence.json"
EXTRA = ["Collège", "Type d'adhésion", "Pays", "Start-up", "Compétences"]


def row(
    n: int, college: str = "", kind: str = "", country: str = "", startup: str = "", **cells: str
) -> list[str]:
    return [*member_row(n, **cells), college, kind, country, startup, cells.get("skills", "")]


def _first_file() -> list[list[str]]:
    return [
        row(1, "Entreprises", "Adhérent", startup="oui"),
        # The same company again (another establishment), then the same establishment again, across batches.
        row(1, "Entreprises", "", SIRET=siret(1, 2), Ville="Roanne", **{"Code postal": "42300"}),
        row(2, "", "Partenaire", **{"Statut": "en attente", "Cotisation": "150 €"}),
        row(1, "Laboratoires", "Adhérent", **{"Raison sociale": "Entreprise Une", "Téléphone": "0477000000"}),
        # A refused value (a SIRET with a bad checksum), an unreadable phone, a foreign row.
        row(3, SIRET=siret(3)[:-1] + str((int(siret(3)[-1]) + 1) % 10), Téléphone="12"),
        row(4, country="Suisse", Ville="Genève", **{"Code postal": "1201", "Téléphone": "+41 22 123 45 67"}),
        # No identifier: each row its own organisation; a contact known by name only.
        row(5, SIRET="", **{"E-mail du contact": ""}),
        row(5, SIRET="", **{"E-mail du contact": "", "Prénom du contact": "marie"}),
        # A second contact at company 2, and the first one again by e-mail with another job title.
        row(
            2, **{"Nom du contact": "MARTIN", "Prénom du contact": "Paul", "E-mail du contact": "paul@e2.fr"}
        ),
        row(2, **{"Fonction du contact": "Chargée de mission", "Date d'adhésion": "", "Cotisation": ""}),
        # An error (no company name): rejected, kept verbatim.
        row(6, **{"Raison sociale": ""}),
        row(7, **{"Date d'adhésion": "", "Statut": "", "Cotisation": "", "Site web": "", "E-mail": ""}),
        row(8, Statut="radiée", **{"Raison sociale": "Œuvre « Co » \\N\t100 %"}),
    ]


def _second_file() -> list[list[str]]:
    return [
        # Known companies (from the registry and from the first import) with values that differ or fill gaps.
        row(7, "Entreprises", "Partenaire", **{"Site web": "https://www.sept.fr", "E-mail": "a@sept.fr"}),
        row(9, "Entreprises", "", Téléphone="04 77 99 99 99", **{"Nom du contact": "Existant"}),
        row(1, "", "", SIRET=siret(1, 3), **{"Raison sociale": "Entreprise 1"}),
        row(10),
        row(10, SIRET=siret(10, 2), **{"Prénom du contact": "Jean", "E-mail du contact": "jean@e10.fr"}),
    ]


def _import(rows: list[list[str]], association, tmp_path: Path, name: str, answers: ImportAnswers) -> None:
    import csv

    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow([*HEADERS, *EXTRA])
        writer.writerows(rows)
    table = open_table(path)
    mapping = resolve_mapping(headers=table.headers, association=association)
    summary = services.validate_table(table=table, mapping=mapping)
    services.check_importable(summary=summary, skip_invalid=True)
    services.write_table(
        table=table,
        mapping=mapping,
        association=association,
        user=None,
        summary=summary,
        skip_invalid=True,
        answers=answers,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return "<set>"
    if isinstance(value, datetime.date | decimal.Decimal):
        return str(value)
    return value


def canonical_dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of the registry and intake apps, keys replaced by ranks (see the module's docstring)."""
    tables = [*apps.get_app_config("registry").get_models(), *apps.get_app_config("intake").get_models()]
    rank: dict[type[models.Model], dict[int, int]] = {
        model: {
            pk: index
            for index, pk in enumerate(model._default_manager.order_by("pk").values_list("pk", flat=True))
        }
        for model in tables
    }
    types = {ct.pk: ct.model_class() for ct in ContentType.objects.all()}
    dump: dict[str, list[dict[str, Any]]] = {}
    for model in tables:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        rows = []
        for values in model._default_manager.order_by("pk").values(
            "pk", *[field.attname for field in fields]
        ):
            out: dict[str, Any] = {"#": rank[model][values["pk"]]}
            for field in fields:
                value = values[field.attname]
                if field.name == "content_type" and value is not None:
                    value = types[value]._meta.label
                elif field.name == "object_id" and "content_type_id" in values:
                    target = types[values["content_type_id"]]
                    value = f"{target._meta.label}#{rank[target].get(value) if target in rank else value}"
                elif field.is_relation and value is not None:
                    target = field.related_model
                    value = f"{target._meta.label}#{rank[target][value]}" if target in rank else "<ref>"
                out[field.name] = _plain(value)
            rows.append(out)
        if rows:
            dump[model._meta.label] = rows
    return dump


def test_an_import_writes_exactly_the_rows_and_lineage_recorded_before_the_fast_path(
    association, tmp_path, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 4)  # batches cross the rows of one company
    # The registry before: a company of the second file with a few values, a contact and a membership.
    known = Organisation.objects.create(name="Entreprise Neuf", siren=siret(9)[:9], phone="+33400000000")
    place = Establishment.objects.create(organisation=known, siret=siret(9), city="Roanne")
    Membership.objects.create(organisation=known, association=association, establishment=place, status="")
    person = Person.objects.create(first_name="Marie", last_name="DUPONT", email="")
    Role.objects.create(person=person, organisation=known, kind=Role.Kind.CONTACT)
    member_type = MembershipType.objects.create(association=association, name="Bienfaiteur")
    College.objects.create(association=association, name="Entreprises")

    _import(_first_file(), association, tmp_path, "un.csv", ImportAnswers(starts_unknown=True))
    _import(
        _second_file(),
        association,
        tmp_path,
        "deux.csv",
        ImportAnswers(
            starts_on=datetime.date(2020, 1, 2), membership_type_id=member_type.pk, status="active"
        ),
    )

    dump = canonical_dump()
    text = json.dumps(dump, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    if os.environ.get("GRAPPE_RECORD_WRITE_DUMP"):
        DUMP.parent.mkdir(exist_ok=True)
        DUMP.write_text(text + "\n", encoding="utf-8")
    assert len(dump["registry.Lineage"]) > 150 and len(dump["registry.SourceRecord"]) == 18
    assert json.loads(text) == json.loads(DUMP.read_text(encoding="utf-8"))


def test_the_written_models_keys_are_their_id():
    # The write reads ``obj.id`` rather than the ``pk`` property for each lineage row (grappe.intake.services).
    from grappe.registry.models import SourceRecord

    for model in (Organisation, Establishment, Membership, Person, Role, SourceRecord):
        assert model._meta.pk.attname == "id"
