"""A merger larger than an old SQLite's limit on bound variables: planned, applied and undone, the registry
dumped row by row before and after. Every ``__in`` over the merger's rows must be cut into chunks (issue 13,
row 2: undo failed with "too many SQL variables" on 1,300 organisations)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from grappe.france.identifiers import complete_siren, complete_siret
from grappe.intake.services import import_file
from grappe.mergers import services
from grappe.mergers.models import Merger
from grappe.mergers.snapshot import dump_rows, registry_models
from grappe.registry.models import Association, Establishment, Membership, Organisation, Person, Territory

from . import scenario

pytestmark = pytest.mark.django_db

# Both sides together have more members than the lowered limit, their sites, contacts and lineage many more.
MEMBERS = 520
SHARED = 220  # members of both networks (same SIREN): folded by apply
WORDS = ["Atelier", "Forge", "Studio", "Réseau", "Données", "Logiciel", "Conseil", "Nuage", "Pixel", "Signal"]


def _row(n: int, *, postcode: str, city: str, joined: str, identified: bool = True) -> list[str]:
    siren = complete_siren(f"7{n:07d}") if identified else ""
    name = f"{WORDS[n % 10]} {WORDS[(n // 10) % 10]} {n}"
    slug = f"entreprise{n}"
    return [
        name,
        siren,
        complete_siret(f"{siren}0001") if siren else "",
        f"{n} rue {WORDS[(n // 100) % 10]}",
        postcode,
        city,
        f"contact@{slug}.fr",
        f"04 77 {n // 100 % 100:02d} {n % 100:02d} 00",
        f"https://{slug}.fr",
        joined,
        "Entreprise",
        "à jour",
        "Camille",
        f"Nom{n}",
        f"camille.nom{n}@{slug}.fr",
    ]


def _registries(directory: Path) -> tuple[Association, Association]:
    numelink = Association.objects.create(name="Numélink", seat_city="Saint-Étienne")
    auvergne = Association.objects.create(name="Auvergne TIC", seat_city="Clermont-Ferrand")
    Territory.objects.create(association=numelink, name="Loire", departement_codes=["42"])
    Territory.objects.create(association=auvergne, name="Auvergne", departement_codes=["63"])
    loire = [_row(n, postcode="42000", city="Saint-Étienne", joined="15/01/2012") for n in range(MEMBERS)]
    clermont = [
        # The same companies without their SIREN: two organisations after the imports, sure matches for apply.
        _row(n, postcode="42000", city="Saint-Étienne", joined="01/02/2014", identified=False)
        if n < MEMBERS
        else _row(n, postcode="63000", city="Clermont-Ferrand", joined="01/02/2014")
        for n in range(MEMBERS - SHARED, 2 * MEMBERS - SHARED)
    ]
    import_file(path=scenario.write_csv(directory / "numelink.csv", loire), association=numelink)
    import_file(path=scenario.write_csv(directory / "auvergne.csv", clermont), association=auvergne)
    return numelink, auvergne


def _dump() -> dict[str, list[dict]]:
    return {model._meta.label: dump_rows(model) for model in registry_models()}


def test_apply_then_undo_of_a_merger_past_the_variable_limit_restores_every_row(tmp_path, old_sqlite_limit):
    numelink, auvergne = _registries(tmp_path)
    organisations = Organisation.objects.count()
    assert organisations == 2 * MEMBERS
    if old_sqlite_limit:
        assert organisations > old_sqlite_limit
    merger = services.plan_merger(
        absorbing=numelink, absorbed=auvergne, effective_on=datetime.date(2016, 3, 31)
    )
    services.set_membership_type_mapping(merger=merger, mapping={}, user=None)
    before = _dump()

    merger = services.apply_merger(merger=merger, accept_auto_only=True)

    assert merger.status == Merger.Status.APPLIED
    assert merger.outcome["merged"] == SHARED
    assert Organisation.objects.count() == organisations - SHARED
    assert len(merger.snapshot.data["scope"]["registry.Lineage"]) > 10 * (old_sqlite_limit or 999)

    services.undo_merger(merger=merger)

    after = _dump()
    for label, rows in before.items():
        assert after[label] == rows, label
    assert Merger.objects.get(pk=merger.pk).status == Merger.Status.UNDONE


def test_reimporting_a_registry_past_the_variable_limit_updates_it(tmp_path, old_sqlite_limit):
    """A batch of the intake (500 rows) looks its SIRENs, SIRETs, organisations, members and contacts up in the
    registry: each lookup within the limit even when every row is already known (it bound 1,001 variables)."""
    numelink = Association.objects.create(name="Numélink", seat_city="Saint-Étienne")
    rows = [_row(n, postcode="42000", city="Saint-Étienne", joined="15/01/2012") for n in range(MEMBERS)]
    import_file(path=scenario.write_csv(tmp_path / "v1.csv", rows), association=numelink)
    for row in rows:
        row[10] = "Adhérent"  # next year's export: another file, the same members
    result = import_file(path=scenario.write_csv(tmp_path / "v2.csv", rows), association=numelink)

    assert Organisation.objects.count() == MEMBERS
    assert (result.imported_rows, result.rows_matched, result.organisations_created) == (MEMBERS, MEMBERS, 0)
    # Every known site, member and contact found again, none created twice.
    assert Establishment.objects.count() == Membership.objects.count() == Person.objects.count() == MEMBERS


def test_absorbing_more_members_than_the_variable_limit_keeps_one_membership_each(old_sqlite_limit):
    from grappe.registry.services import absorb_association

    numelink = Association.objects.create(name="Numélink")
    auvergne = Association.objects.create(name="Auvergne TIC")
    count = 1_100
    organisations = Organisation.objects.bulk_create(Organisation(name=f"Membre {n}") for n in range(count))
    shared = organisations[: count - 100]  # members of both: one membership each after the absorption
    since = datetime.date(2014, 2, 1)
    Membership.objects.bulk_create(
        [
            *(Membership(organisation=org, association=auvergne, starts_on=since) for org in organisations),
            *(Membership(organisation=org, association=numelink, starts_on=since) for org in shared),
        ]
    )

    absorb_association(absorbed=auvergne, into=numelink, effective_on=datetime.date(2016, 3, 31))

    current = Membership.objects.filter(association=numelink).exclude(status=Membership.Status.ENDED)
    assert current.count() == count
    assert Membership.objects.filter(status=Membership.Status.ENDED).count() == len(shared)
    assert not Membership.objects.filter(association=auvergne).exists()
