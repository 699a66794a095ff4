"""Registry services shared by the demo story and the merger workflow: nothing is lost, ids stay stable."""

from __future__ import annotations

import datetime

import pytest

from grappe.errors import UserError
from grappe.registry import services
from grappe.registry.models import (
    Association,
    Brand,
    Establishment,
    Lineage,
    Membership,
    Office,
    Organisation,
    SourceFile,
    SourceRecord,
    Territory,
)
from grappe.registry.stats import member_count, members_by_departement, members_by_territory

pytestmark = pytest.mark.django_db

D = datetime.date


def _member(org: Organisation, association: Association, *, departement: str, since: D) -> Membership:
    establishment = Establishment.objects.create(organisation=org, departement_code=departement)
    return Membership.objects.create(
        organisation=org,
        association=association,
        establishment=establishment,
        starts_on=since,
        origin=association,
    )


def _source_record(org: Organisation, association: Association, line: int) -> SourceRecord:
    source, _ = SourceFile.objects.get_or_create(
        sha256="a" * 64,
        sheet="",
        defaults={"original_name": "export.csv", "size": 1, "file_format": "csv", "association": association},
    )
    record = SourceRecord.objects.create(
        source_file=source,
        line_number=line,
        values=[org.name],
        status=SourceRecord.Status.IMPORTED,
        organisation=org,
    )
    Lineage.objects.create(source_record=record, target=org, field="name", value=org.name)
    return record


def test_merge_keeps_survivor_id_and_moves_everything():
    numelink = Association.objects.create(name="Numélink")
    survivor = Organisation.objects.create(name="Ardoise Numérique")
    duplicate = Organisation.objects.create(
        name="ARDOISE NUMERIQUE SAS", siren="732829320", naf_code="62.01Z"
    )
    _member(survivor, numelink, departement="42", since=D(2012, 5, 1))
    _member(duplicate, numelink, departement="69", since=D(2009, 1, 15))
    record = _source_record(duplicate, numelink, 7)

    merged = services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    assert merged.pk == survivor.pk
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    merged.refresh_from_db()
    assert merged.siren == "732829320" and merged.naf_code == "62.01Z"
    assert merged.establishments.count() == 2
    membership = merged.memberships.exclude(status=Membership.Status.ENDED).get()
    assert membership.starts_on == D(2009, 1, 15)  # seniority: the earliest start
    ended = merged.memberships.get(status=Membership.Status.ENDED)  # the other one ends « fusion »
    assert (ended.starts_on, ended.end_reason) == (D(2012, 5, 1), Membership.EndReason.MERGER)
    record.refresh_from_db()
    assert record.organisation_id == survivor.pk
    assert Lineage.objects.get(source_record=record).object_id == survivor.pk


def test_absorption_moves_members_with_origin_and_structure():
    numelink = Association.objects.create(name="Numélink")
    rhonealley = Association.objects.create(name="RhoneAlley")
    loire = Territory.objects.create(association=numelink, name="Loire", departement_codes=["42"])
    drome = Territory.objects.create(
        association=rhonealley, name="Drôme-Ardèche", departement_codes=["26", "07"]
    )
    Office.objects.create(association=rhonealley, territory=drome, kind="antenna", name="Valence")
    shared = Organisation.objects.create(name="Ardoise")
    only_absorbed = Organisation.objects.create(name="Valence Web")
    _member(shared, numelink, departement="42", since=D(2014, 1, 1))
    _member(shared, rhonealley, departement="42", since=D(2011, 1, 1))
    _member(only_absorbed, rhonealley, departement="26", since=D(2013, 1, 1))

    services.absorb_association(
        absorbed=rhonealley,
        into=numelink,
        effective_on=D(2015, 6, 30),
        keep_name_as_brand=True,
        brand_territories=[drome],
    )

    rhonealley.refresh_from_db()
    assert rhonealley.status == Association.Status.ABSORBED and rhonealley.absorbed_into == numelink
    assert member_count(numelink) == 2
    assert member_count(rhonealley) == 0
    assert Membership.objects.get(organisation=only_absorbed).origin == rhonealley
    current = Membership.objects.exclude(status=Membership.Status.ENDED)
    assert current.get(organisation=shared).starts_on == D(2011, 1, 1)
    assert members_by_departement(numelink) == {"26": 1, "42": 1}
    assert set(members_by_territory(numelink)) == {"Loire", "Drôme-Ardèche"}
    assert Office.objects.get(name="Valence").association == numelink
    brand = Brand.objects.get(name="RhoneAlley")
    assert brand.association == numelink and list(brand.territories.all()) == [drome]
    assert loire.association == numelink


def test_absorbing_twice_is_refused_and_changes_nothing():
    numelink = Association.objects.create(name="Numélink")
    tic = Association.objects.create(name="Auvergne TIC")
    services.absorb_association(absorbed=tic, into=numelink, effective_on=D(2016, 3, 31))
    with pytest.raises(UserError, match="déjà été absorbée"):
        services.absorb_association(absorbed=tic, into=numelink, effective_on=D(2016, 4, 1))
    tic.refresh_from_db()
    assert tic.absorbed_on == D(2016, 3, 31)


def test_an_association_cannot_absorb_itself():
    numelink = Association.objects.create(name="Numélink")
    with pytest.raises(UserError):
        services.absorb_association(absorbed=numelink, into=numelink, effective_on=D(2016, 3, 31))


def test_a_merge_collapses_a_site_without_siret_into_the_one_with_a_siret_at_the_same_address():
    from django.contrib.contenttypes.models import ContentType

    from grappe.core.models import AuditEvent

    association = Association.objects.create(name="Numélink")
    survivor = Organisation.objects.create(name="Atelier Forézien", siren="732829320")
    duplicate = Organisation.objects.create(name="ATELIER FOREZIEN")
    sited = Establishment.objects.create(
        organisation=survivor,
        siret="73282932000074",
        street="12 rue de la Montat",
        postcode="42000",
        city="Saint-Étienne",
        departement_code="42",
    )
    same_place = Establishment.objects.create(
        organisation=duplicate,
        street="12, Rue de la Montat",
        postcode="42000",
        city="SAINT-ETIENNE",
        departement_code="42",
        phone="+33477123456",
    )
    elsewhere = Establishment.objects.create(
        organisation=duplicate, street="3 avenue Victor Hugo", postcode="26000", city="Valence"
    )
    membership = Membership.objects.create(
        organisation=duplicate, association=association, establishment=same_place
    )
    source_file = SourceFile.objects.create(
        sha256="1" * 64, original_name="a.csv", size=1, file_format="csv", association=association
    )
    record = SourceRecord.objects.create(
        source_file=source_file, line_number=2, values=["x"], status="imported", organisation=duplicate
    )
    site_type = ContentType.objects.get_for_model(Establishment)
    Lineage.objects.create(
        source_record=record, content_type=site_type, object_id=same_place.pk, field="street", value="12, Rue"
    )

    services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    sites = list(survivor.establishments.order_by("pk"))
    assert [(s.pk, s.siret) for s in sites] == [(sited.pk, "73282932000074"), (elsewhere.pk, "")]
    assert sites[0].phone == "+33477123456"  # an empty field filled from the folded site
    membership.refresh_from_db()
    assert membership.establishment_id == sited.pk
    assert Lineage.objects.get(source_record=record, field="street").object_id == sited.pk
    event = AuditEvent.objects.get(action="organisation.merge")
    assert event.details["establishments_collapsed"][0]["into"] == "73282932000074"


def test_a_site_without_siret_elsewhere_or_ambiguous_is_kept():
    survivor = Organisation.objects.create(name="Data Loire")
    for siret in ("73282932000074", "73282932000082"):
        Establishment.objects.create(
            organisation=survivor, siret=siret, postcode="42000", city="Saint-Étienne"
        )
    without = Establishment.objects.create(organisation=survivor, postcode="42000", city="Saint-Étienne")

    assert services.collapse_establishments(organisation=survivor) == []
    assert Establishment.objects.filter(pk=without.pk).exists()


def test_an_absorbed_seat_becomes_an_antenna_named_as_one_and_its_current_staff_follow():
    numelink = Association.objects.create(name="Numélink")
    savoie = Association.objects.create(name="Savoie Numérique")
    annecy = Office.objects.create(
        association=savoie, kind=Office.Kind.HEAD_OFFICE, name="Siège d'Annecy", city="Annecy"
    )
    chambery = Office.objects.create(
        association=savoie, kind=Office.Kind.HEAD_OFFICE, name="Siège", city="Chambéry"
    )
    from grappe.registry.models import StaffMember

    today = datetime.date.today()
    staying = StaffMember.objects.create(association=savoie, office=annecy, first_name="A", last_name="Reste")
    leaving = StaffMember.objects.create(
        association=savoie,
        office=annecy,
        first_name="B",
        last_name="Part",
        left_on=today + datetime.timedelta(30),
    )
    gone = StaffMember.objects.create(
        association=savoie, office=annecy, first_name="C", last_name="Parti", left_on=D(2016, 1, 1)
    )

    services.absorb_association(absorbed=savoie, into=numelink, effective_on=D(2027, 1, 1))

    annecy.refresh_from_db()
    chambery.refresh_from_db()
    assert (annecy.kind, annecy.name) == ("antenna", "Antenne d'Annecy (ancien siège de Savoie Numérique)")
    assert chambery.name == "Antenne de Chambéry (ancien siège de Savoie Numérique)"
    moved = dict(StaffMember.objects.values_list("pk", "association_id"))
    assert moved == {staying.pk: numelink.pk, leaving.pk: numelink.pk, gone.pk: savoie.pk}
    assert set(StaffMember.objects.current()) == {staying, leaving}


# -- a member of both: the extra membership is ended « fusion », never deleted ---------------------------------


def _both(**numelink_fields) -> tuple[Association, Association, Organisation, Membership, Membership]:
    """Ardoise, a member of Numélink since 2014 (an own type, college and fee) and of RhoneAlley since 2011."""
    from grappe.registry.models import College, MembershipType

    numelink = Association.objects.create(name="Numélink")
    rhonealley = Association.objects.create(name="RhoneAlley")
    ardoise = Organisation.objects.create(name="Ardoise")
    own = _member(ardoise, numelink, departement="42", since=D(2014, 1, 1))
    own.membership_type = MembershipType.objects.create(association=numelink, name="Entreprise")
    own.college = College.objects.create(association=numelink, name="Entreprises")
    own.annual_fee = 450
    for name, value in numelink_fields.items():
        setattr(own, name, value)
    own.save()
    brought = _member(ardoise, rhonealley, departement="42", since=D(2011, 1, 1))
    return numelink, rhonealley, ardoise, own, brought


def test_absorbing_a_member_of_both_ends_its_other_membership_on_the_effective_date():
    numelink, rhonealley, ardoise, own, brought = _both()

    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))

    current = ardoise.memberships.exclude(status=Membership.Status.ENDED).get()
    assert (current.pk, current.association, current.origin) == (brought.pk, numelink, rhonealley)
    assert current.starts_on == D(2011, 1, 1)  # seniority: the earliest start
    assert current.status == Membership.Status.ACTIVE
    ended = Membership.objects.get(pk=own.pk)
    assert ended.status == Membership.Status.ENDED
    assert (ended.association, ended.origin, ended.starts_on) == (numelink, numelink, D(2014, 1, 1))
    assert ended.ends_on == D(2015, 6, 30)
    assert ended.end_reason == Membership.EndReason.MERGER
    assert ended.get_end_reason_display() == "fusion"
    assert ended.end_reason_detail == f"Adhésion fusionnée avec l'adhésion n° {brought.pk}"
    # What it was stays readable: its type, college and fee (also given to the kept one, which had none).
    assert (ended.category, ended.college_name, ended.annual_fee) == ("Entreprise", "Entreprises", 450)
    assert (current.category, current.college_name, current.annual_fee) == ("Entreprise", "Entreprises", 450)
    # Counted once.
    assert member_count(numelink) == 1
    assert members_by_departement(numelink) == {"42": 1}
    from grappe.core.models import AuditEvent

    assert AuditEvent.objects.get(action="association.absorb").details["memberships_ended"] == 1


def test_the_ended_membership_shows_in_the_organisation_s_timeline(django_user_model):
    from grappe.registry.timeline import organisation_timeline

    numelink, rhonealley, ardoise, _own, brought = _both()
    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))

    admin = django_user_model.objects.create_superuser("admin")
    entries = organisation_timeline(admin, ardoise.pk).entries
    departures = [entry for entry in entries if entry.kind == "departure"]
    assert [(entry.title, entry.when) for entry in departures] == [
        ("Fin de l'adhésion à Numélink", D(2015, 6, 30))
    ]
    assert departures[0].lines == [
        "terminée",
        "motif : fusion",
        f"Adhésion fusionnée avec l'adhésion n° {brought.pk}",
    ]
    starts = sorted(entry.when for entry in entries if entry.kind == "membership")
    assert starts == [D(2011, 1, 1), D(2014, 1, 1)]


def test_collapsing_again_changes_nothing():
    numelink, rhonealley, ardoise, _own, _brought = _both()
    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))
    before = list(Membership.objects.order_by("pk").values())

    assert services.collapse_memberships(organisation=ardoise, on=D(2020, 1, 1)) == 0
    assert list(Membership.objects.order_by("pk").values()) == before


def test_an_ended_membership_never_ends_before_it_began_and_keeps_what_it_said_before():
    # Joined Numélink after the merger's (retroactive) effective date, and no longer renewed.
    numelink, rhonealley, _ardoise, own, _brought = _both(
        starts_on=D(2015, 9, 1), status=Membership.Status.LAPSED, ends_on=D(2016, 8, 31)
    )

    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))

    ended = Membership.objects.get(pk=own.pk)
    assert (ended.status, ended.starts_on, ended.ends_on) == (
        Membership.Status.ENDED,
        D(2015, 9, 1),
        D(2015, 9, 1),
    )
    assert ended.end_reason_detail.endswith("(avant la fusion : non renouvelée, jusqu'au 31/08/2016)")


def test_a_lapsed_earlier_membership_gives_its_seniority_to_the_current_one_and_is_the_one_ended():
    # Member of RhoneAlley 2011–2013 (not renewed), of Numélink since 2014 and up to date.
    numelink, rhonealley, ardoise, own, brought = _both()
    brought.status, brought.ends_on = Membership.Status.LAPSED, D(2013, 12, 31)
    brought.end_reason = Membership.EndReason.NON_PAYMENT
    brought.save()

    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))

    current = ardoise.memberships.exclude(status=Membership.Status.ENDED).get()
    # The membership that is up to date stays current: no past « jusqu'au » nor a reason for leaving on it.
    assert current.pk == own.pk
    assert (current.status, current.ends_on, current.end_reason) == (Membership.Status.ACTIVE, None, "")
    assert (current.starts_on, current.origin) == (
        D(2011, 1, 1),
        rhonealley,
    )  # seniority and origin: the earliest
    ended = Membership.objects.get(pk=brought.pk)
    assert (ended.status, ended.ends_on) == (Membership.Status.ENDED, D(2015, 6, 30))
    # Nothing it said is lost: the detail keeps its status, end and reason before the merger.
    assert ended.end_reason_detail == (
        f"Adhésion fusionnée avec l'adhésion n° {own.pk} "
        "(avant la fusion : non renouvelée, jusqu'au 31/12/2013, motif : non-paiement de la cotisation)"
    )
    assert member_count(numelink) == 1


def test_a_known_start_is_kept_before_an_unknown_one_on_every_database():
    # SQLite sorts an unknown date first, PostgreSQL last: the rule must not depend on the database.
    numelink, rhonealley, ardoise, own, brought = _both(starts_on=None)

    services.absorb_association(absorbed=rhonealley, into=numelink, effective_on=D(2015, 6, 30))

    current = ardoise.memberships.exclude(status=Membership.Status.ENDED).get()
    assert (current.pk, current.starts_on) == (brought.pk, D(2011, 1, 1))
    assert Membership.objects.get(pk=own.pk).status == Membership.Status.ENDED


def test_merging_duplicates_ends_the_extra_membership_and_leaves_its_lineage_on_it():
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from grappe.core.models import AuditEvent

    numelink = Association.objects.create(name="Numélink")
    survivor = Organisation.objects.create(name="Ardoise Numérique")
    duplicate = Organisation.objects.create(name="ARDOISE NUMERIQUE SAS")
    kept = _member(survivor, numelink, departement="42", since=D(2009, 1, 15))
    extra = _member(duplicate, numelink, departement="42", since=D(2012, 5, 1))
    record = _source_record(duplicate, numelink, 7)
    said = Lineage.objects.create(
        source_record=record,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id=extra.pk,
        field="starts_on",
        value="2012-05-01",
    )

    services.merge_organisations(survivor=survivor, duplicates=[duplicate])

    extra.refresh_from_db()
    assert extra.organisation == survivor and extra.status == Membership.Status.ENDED
    assert (extra.end_reason, extra.ends_on) == (Membership.EndReason.MERGER, timezone.localdate())
    assert survivor.memberships.exclude(status=Membership.Status.ENDED).get() == kept
    # The ended membership still says where its own values came from.
    assert Lineage.objects.get(pk=said.pk).object_id == extra.pk
    event = AuditEvent.objects.get(action="organisation.merge")
    assert event.details["memberships_ended"] == 1


def test_a_merger_s_organisation_merge_ends_the_extra_membership_on_its_date():
    numelink = Association.objects.create(name="Numélink")
    survivor = Organisation.objects.create(name="Ardoise Numérique")
    duplicate = Organisation.objects.create(name="ARDOISE NUMERIQUE SAS")
    _member(survivor, numelink, departement="42", since=D(2009, 1, 15))
    extra = _member(duplicate, numelink, departement="42", since=D(2012, 5, 1))

    services.merge_organisations(survivor=survivor, duplicates=[duplicate], on=D(2016, 3, 31))

    extra.refresh_from_db()
    assert (extra.status, extra.ends_on) == (Membership.Status.ENDED, D(2016, 3, 31))
