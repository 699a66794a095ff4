"""The import service: what it creates, what it refuses, and that a refusal or a failure changes nothing."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from grappe.errors import NotFound, UserError
from grappe.intake import services
from grappe.intake.models import SavedMapping
from grappe.intake.reading import ReadError, open_table
from grappe.intake.report import ReportCollector
from grappe.intake.selectors import association_by_name, resolve_mapping
from grappe.intake.services import DuplicateFile, ImportRefused, import_file
from grappe.registry.models import (
    Association,
    Establishment,
    Lineage,
    Membership,
    Organisation,
    Person,
    Role,
    SourceFile,
    SourceRecord,
)

from .conftest import HEADERS, member_row, siret

pytestmark = pytest.mark.django_db


def lineage_of(obj, field: str) -> list[Lineage]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(Lineage.objects.filter(content_type=content_type, object_id=obj.pk, field=field))


def test_a_csv_export_creates_organisations_establishments_memberships_and_people(association, write_csv):
    path = write_csv([member_row(1), member_row(2, **{"Statut": "en attente", "Cotisation": "150 €"})])

    result = import_file(path=path, association=association)

    assert (result.imported_rows, result.rejected_rows, result.organisations_created) == (2, 0, 2)
    org = Organisation.objects.get(siren=siret(1)[:9])
    assert (org.name, org.legal_form_code, org.phone, org.website_domain) == (
        "Entreprise 1 SAS",
        "5710",
        "+33477123456",
        "entreprise1.fr",
    )
    establishment = org.establishments.get()
    assert (establishment.siret, establishment.commune_code, establishment.departement_code) == (
        siret(1),
        "42218",
        "42",
    )
    membership = Membership.objects.get(organisation=org)
    assert membership.association == association and membership.origin == association
    assert membership.establishment == establishment
    assert (membership.status, membership.starts_on, membership.annual_fee) == (
        Membership.Status.ACTIVE,
        datetime.date(2016, 3, 12),
        Decimal("1200.00"),
    )
    other = Membership.objects.get(organisation__siren=siret(2)[:9])
    assert (other.status, other.annual_fee) == (Membership.Status.PENDING, Decimal("150.00"))
    role = Role.objects.select_related("person").get(organisation=org)
    assert (role.person.first_name, role.person.last_name, role.person.email) == (
        "Marie",
        "DUPONT",
        "marie@entreprise1.fr",
    )
    assert (role.kind, role.job_title) == (Role.Kind.EXECUTIVE, "Gérante")

    source = SourceFile.objects.get()
    assert (source.association, source.row_count, source.imported_count, source.sheet) == (
        association,
        2,
        2,
        "",
    )
    assert source.headers == HEADERS and source.mapping["Raison sociale"] == "name"
    record = SourceRecord.objects.get(line_number=2)
    assert record.values == member_row(1) and record.status == "imported" and record.organisation == org
    [siren_lineage] = lineage_of(org, "siren")
    assert (siren_lineage.source_record, siren_lineage.column, siren_lineage.value) == (
        record,
        "SIRET",
        siret(1)[:9],
    )
    assert lineage_of(membership, "annual_fee")[0].value == "1200.00"
    assert lineage_of(role.person, "email")[0].column == "E-mail du contact"
    assert siren_lineage.retained and source.imported_at <= siren_lineage.recorded_at <= timezone.now()


def test_lineage_keeps_values_verbatim_whatever_their_characters(association, write_csv):
    # PostgreSQL writes lineage with COPY, whose text format gives meaning to backslashes and tabs.
    name = 'Atelier "L\'Œil" \\ Design ; 100 % \\N « Co »'
    import_file(path=write_csv([member_row(1, **{"Raison sociale": name})]), association=association)

    org = Organisation.objects.get()
    assert org.name == name
    assert [lin.value for lin in lineage_of(org, "name")] == [name]


def test_an_xlsx_export_is_imported_from_its_sheet(association, write_xlsx):
    path = write_xlsx([member_row(1), member_row(2)], sheet="Adhérents 2024")

    result = import_file(path=path, association=association)

    assert result.imported_rows == 2
    source = SourceFile.objects.get()
    assert (source.file_format, source.sheet, source.header_line) == ("xlsx", "Adhérents 2024", 2)
    assert SourceRecord.objects.order_by("line_number").first().line_number == 3
    assert Organisation.objects.count() == 2


def test_an_organisation_with_the_same_siren_is_reused_and_gets_the_new_establishment(association, write_csv):
    existing = Organisation.objects.create(name="Entreprise Un", siren=siret(1)[:9], phone="+33400000000")
    Establishment.objects.create(organisation=existing, siret=siret(1))
    path = write_csv(
        [member_row(1), member_row(1, SIRET=siret(1, 2), Ville="Roanne", **{"Code postal": "42300"})]
    )

    result = import_file(path=path, association=association)

    assert result.organisations_created == 0 and result.rows_matched == 2
    assert Organisation.objects.get().pk == existing.pk
    existing.refresh_from_db()
    assert existing.name == "Entreprise Un"  # a registry value is never overwritten by an import…
    assert existing.website_domain == "entreprise1.fr"  # …but an empty one is filled
    assert {lin.value: lin.retained for lin in lineage_of(existing, "name")} == {"Entreprise 1 SAS": False}
    assert sorted(existing.establishments.values_list("siret", flat=True)) == sorted([siret(1), siret(1, 2)])
    assert Membership.objects.get().organisation == existing  # one membership per organisation


def test_rows_of_one_company_across_batches_share_one_membership(association, write_csv, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    rows = [member_row(n % 4 + 1, SIRET=siret(n % 4 + 1, n + 1)) for n in range(10)]

    result = import_file(path=write_csv(rows), association=association)

    assert result.imported_rows == 10 and result.organisations_created == 4
    assert Membership.objects.count() == 4
    assert Establishment.objects.count() == 10
    # The same contact at the same company is one person, whatever the number of rows naming them.
    assert Person.objects.count() == 4 and Role.objects.count() == 4


def test_rows_without_identifier_each_become_an_organisation(association, write_csv):
    rows = [member_row(1, SIRET=""), member_row(1, SIRET="")]

    import_file(path=write_csv(rows), association=association)

    assert Organisation.objects.count() == 2  # fuzzy matching belongs to the merger engine, not to intake


BAD_FILES = {
    "empty": (b"", "intake.empty"),
    "binary": (bytes(range(256)) * 40, "intake.binary"),
    "unknown-encoding": (
        ("会社名;都市\n" + "株式会社テスト;東京\n" * 30).encode("shift_jis"),
        "intake.encoding",
    ),
    "no-header": (b"Colonne 1;Colonne 2\nAlpha;Lyon\n", "intake.no_header"),
    "duplicated-columns": (b"Raison sociale;E-mail;Email\nAlpha;a@x.fr;b@x.fr\n", "intake.duplicate_column"),
    "unbalanced-quote": (
        "Raison sociale;Ville\n"
        + "".join(f"Membre {n};Lyon\n" for n in range(60))
        + 'Beta;"Paris\nGamma;Nice\n'
    ).encode(),
}
BAD_FILES["unbalanced-quote"] = (BAD_FILES["unbalanced-quote"], "intake.unclosed_quote")


@pytest.mark.parametrize(("content", "code"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_unreadable_file_is_a_located_error_and_changes_nothing(
    association, tmp_path, counts, content, code
):
    Organisation.objects.create(name="Déjà là", siren=siret(9)[:9])
    path = tmp_path / "adhérents.csv"
    path.write_bytes(content)
    before = counts()

    with pytest.raises(ReadError) as caught:
        import_file(path=path, association=association)

    assert caught.value.code == code
    assert caught.value.location.file == "adhérents.csv"
    assert counts() == before


def test_a_read_error_in_the_middle_of_the_file_is_found_before_anything_is_written(
    association, tmp_path, counts
):
    content, _code = BAD_FILES["unbalanced-quote"]
    path = tmp_path / "adhérents.csv"
    path.write_bytes(content)
    before = counts()

    with pytest.raises(ReadError) as caught:
        import_file(path=path, association=association)

    assert caught.value.location.line == 62
    assert counts() == before


def test_an_exception_at_the_last_row_leaves_the_database_exactly_as_before(
    association, write_csv, counts, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)  # earlier batches are written before the failure
    Organisation.objects.create(name="Entreprise 1", siren=siret(1)[:9])
    path = write_csv([member_row(n) for n in range(1, 8)])
    last_line = 8
    plan_row = services._BatchPlanner._plan_row

    def failing_plan_row(self, row):
        if row.line == last_line:
            raise RuntimeError("disk full")
        return plan_row(self, row)

    monkeypatch.setattr(services._BatchPlanner, "_plan_row", failing_plan_row)
    before = counts()

    with pytest.raises(RuntimeError):
        import_file(path=path, association=association)

    assert counts() == before
    assert not SourceRecord.objects.exists() and not SourceFile.objects.exists()
    assert Organisation.objects.get().name == "Entreprise 1"


def test_a_failure_in_the_last_write_of_a_batched_import_leaves_nothing_behind(
    association, write_csv, counts, monkeypatch
):
    # The last batch's last write: by then every organisation and source record of the file is in the
    # database (inside the import's transaction), and only the source file's counts remain to update.
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    path = write_csv([member_row(n) for n in range(1, 8)])  # 4 batches, the last one of a single row
    insert_lineage = services._insert_lineage
    calls = []

    def failing_insert_lineage(rows):
        calls.append(len(rows))
        if len(calls) == 4:
            raise RuntimeError("connection lost")
        insert_lineage(rows)

    monkeypatch.setattr(services, "_insert_lineage", failing_insert_lineage)
    before = counts()

    with pytest.raises(RuntimeError):
        import_file(path=path, association=association)

    assert len(calls) == 4 and SourceRecord.objects.count() == 0
    assert counts() == before


def test_the_same_file_is_imported_once(association, write_csv, counts, django_user_model):
    user = django_user_model.objects.create_user("alice")
    path = write_csv([member_row(1)])
    import_file(path=path, association=association, user=user)
    copy = path.with_name("copie.csv")
    copy.write_bytes(path.read_bytes())
    before = counts()

    with pytest.raises(DuplicateFile) as caught:
        import_file(path=copy, association=association)

    message = str(caught.value)
    assert "« membres.csv »" in message and "Auvergne TIC" in message and "alice" in message
    assert datetime.date.today().strftime("%d/%m/%Y") in message or "/20" in message
    assert counts() == before


def test_an_absorbed_association_takes_no_import(association, write_csv, counts):
    absorber = Association.objects.create(name="Cluster absorbant")
    association.status = Association.Status.ABSORBED
    association.absorbed_on = datetime.date(2016, 3, 31)
    association.absorbed_into = absorber
    association.save()
    before = counts()

    with pytest.raises(UserError, match="absorbée par « Cluster absorbant » le 31/03/2016"):
        import_file(path=write_csv([member_row(1)]), association=association)
    assert counts() == before


def test_rows_with_errors_refuse_the_import(association, write_csv, counts):
    path = write_csv([member_row(1), member_row(2, **{"Raison sociale": ""})])
    before = counts()

    with pytest.raises(ImportRefused) as caught:
        import_file(path=path, association=association)

    assert caught.value.summary.invalid_rows == 1
    assert "1 ligne(s) sur 2" in str(caught.value)
    assert counts() == before


def test_skip_invalid_imports_valid_rows_and_keeps_rejected_ones_verbatim(association, write_csv):
    bad = member_row(2, **{"Raison sociale": "", "E-mail": "pas-un-email"})
    path = write_csv([member_row(1), bad, member_row(3)])

    result = import_file(path=path, association=association, skip_invalid=True)

    assert (result.imported_rows, result.rejected_rows, result.rejected_lines) == (2, 1, [3])
    rejected = SourceRecord.objects.get(status=SourceRecord.Status.REJECTED)
    assert rejected.line_number == 3 and rejected.values == bad and rejected.organisation is None
    assert [issue["code"].split(".")[0] for issue in rejected.issues] == ["name", "email"]
    assert not Lineage.objects.filter(source_record=rejected).exists()
    assert Organisation.objects.count() == 2
    assert SourceFile.objects.get().rejected_count == 1


def test_a_refused_value_stays_in_the_source_record_with_the_reason(association, write_csv):
    path = write_csv([member_row(1, SIRET="4,12345E+13")])

    import_file(path=path, association=association)

    record = SourceRecord.objects.get()
    assert record.status == "imported" and record.values[1] == "4,12345E+13"
    assert record.issues[0]["code"] == "siret.spreadsheet_mangled" and record.issues[0]["column"] == "SIRET"
    assert Organisation.objects.get().siren == ""


def test_two_contacts_sharing_a_placeholder_address_stay_two_people(association, write_csv):
    """« nc@nc.fr » (non communiqué) for every contact without an address: before, the import took the second
    contact of a company for the first (the same address) and kept only her name."""
    path = write_csv(
        [
            member_row(1, **{"E-mail du contact": "nc@nc.fr"}),
            member_row(
                1,
                **{"Nom du contact": "MARTIN", "Prénom du contact": "Paul", "E-mail du contact": "nc@nc.fr"},
            ),
        ]
    )

    result = import_file(path=path, association=association)

    assert sorted(Person.objects.values_list("first_name", "last_name", "email")) == [
        ("Marie", "DUPONT", ""),
        ("Paul", "MARTIN", ""),
    ]
    codes = [issue["code"] for record in SourceRecord.objects.all() for issue in record.issues]
    assert codes.count("email.placeholder") == 2
    assert all(
        record.values[HEADERS.index("E-mail du contact")] == "nc@nc.fr"
        for record in SourceRecord.objects.all()
    )
    assert result.summary.rows == 2


def test_rows_given_the_zeros_of_an_unknown_siret_stay_separate_companies(association, write_csv):
    """« 000 000 000 00000 » has a right Luhn key: before, every row carrying it was one organisation."""
    path = write_csv([member_row(1, SIRET="000 000 000 00000"), member_row(2, SIRET="000 000 000 00000")])

    import_file(path=path, association=association)

    assert sorted(Organisation.objects.values_list("name", flat=True)) == [
        "Entreprise 1 SAS",
        "Entreprise 2 SAS",
    ]
    assert not Establishment.objects.exclude(siret="").exists()
    codes = [issue["code"] for record in SourceRecord.objects.all() for issue in record.issues]
    assert codes.count("siret.placeholder") == 2


def test_a_name_saying_it_is_unknown_is_a_row_without_a_name(association, write_csv, counts):
    """« NC » for every company whose name the file lacks: before, they became organisations called « NC »,
    which the linkage then took for one company wherever two were in one town."""
    path = write_csv([member_row(1), member_row(2, **{"Raison sociale": "N/C"})])
    before = counts()

    seen = []
    with pytest.raises(ImportRefused) as refused:
        import_file(path=path, association=association, on_issue=seen.append)

    assert counts() == before
    assert refused.value.summary.invalid_rows == 1
    assert [(issue.line, issue.code) for issue in seen if issue.severity == "error"] == [
        (3, "name.placeholder")
    ]

    result = import_file(path=path, association=association, skip_invalid=True)
    assert result.imported_rows == 1 and result.rejected_rows == 1
    assert SourceRecord.objects.get(status="rejected").values[0] == "N/C"


def test_a_trade_name_stands_for_a_name_saying_it_is_unknown(association, write_csv):
    headers = [*HEADERS, "Enseigne"]
    path = write_csv(
        [[*member_row(1, **{"Raison sociale": "A compléter"}), "Café Numérique"]], headers=headers
    )

    import_file(path=path, association=association)

    assert Organisation.objects.get().name == "Café Numérique"


def test_dry_run_validates_and_writes_nothing(association, write_csv, counts):
    path = write_csv([member_row(1), member_row(2, **{"Raison sociale": ""})])
    before = counts()

    result = import_file(path=path, association=association, dry_run=True)

    assert result.dry_run and result.summary.rows == 2 and result.summary.invalid_rows == 1
    assert counts() == before


def test_progress_is_reported_for_both_passes(association, write_csv, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(services, "BATCH_SIZE", 2)  # the writes report once a batch
    calls = []

    import_file(
        path=write_csv([member_row(n) for n in range(5)]),
        association=association,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )

    # Both bars have an end from their first state on: the rows are counted before they are validated.
    assert calls[0] == ("validation", 0, 5)
    assert ("validation", 2, 5) in calls and ("validation", 5, 5) in calls
    assert ("import", 0, 5) in calls and ("import", 2, 5) in calls and calls[-1] == ("import", 5, 5)
    assert all(total == 5 for _, _, total in calls)


def test_the_report_lists_every_issue_with_its_place(association, write_csv):
    path = write_csv([member_row(1, SIRET="4,12345E+13"), member_row(2, **{"Raison sociale": ""})])
    stream = io.StringIO()
    collector = ReportCollector(file_name="membres.csv", stream=stream)

    import_file(path=path, association=association, dry_run=True, on_issue=collector)

    lines = stream.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0] == "fichier;feuille;ligne;colonne;valeur;attendu;anomalie;gravité;code"
    assert lines[1].startswith("membres.csv;;2;SIRET;4,12345E+13;")
    assert lines[1].endswith(";avertissement;siret.spreadsheet_mangled")
    assert lines[2].startswith("membres.csv;;3;Raison sociale;;") and lines[2].endswith(
        ";erreur;name.missing"
    )
    assert collector.by_severity == {"warning": 1, "error": 1}


def test_an_unknown_association_lists_the_known_ones(association):
    with pytest.raises(NotFound) as caught:
        association_by_name("Auvergne")

    assert "« Auvergne TIC »" in str(caught.value) and "« Numélink »" in str(caught.value)
    assert association_by_name("auvergne tic") == association
    assert association_by_name("nl").name == "Numélink"


def test_a_mapping_can_be_corrected_in_json_or_by_a_saved_name(association, write_csv):
    path = write_csv([member_row(1)])
    headers = open_table(path).headers

    corrected = resolve_mapping(
        headers=headers, association=association, spec='{"Statut": "college", "Téléphone": null}'
    )
    assert corrected[headers.index("Statut")] == "college"
    assert headers.index("Téléphone") not in corrected

    services.save_mapping(association=association, name="CRM", headers=headers, mapping=corrected)
    assert SavedMapping.objects.get().mapping["statut"] == "college"
    assert resolve_mapping(headers=headers, association=association, spec="CRM") == corrected

    with pytest.raises(NotFound, match="« CRM »"):
        resolve_mapping(headers=headers, association=association, spec="Autre")
    with pytest.raises(UserError, match="illisible"):
        resolve_mapping(headers=headers, association=association, spec="{oops")
    with pytest.raises(UserError, match="absente du fichier"):
        resolve_mapping(headers=headers, association=association, spec='{"Fax": "phone"}')


def test_a_mapping_without_the_company_name_or_with_a_field_twice_is_refused(association, write_csv):
    path = write_csv([member_row(1)])

    with pytest.raises(UserError, match="Raison sociale"):
        import_file(path=path, association=association, mapping={1: "siret"})
    with pytest.raises(UserError, match="toutes deux"):
        import_file(path=path, association=association, mapping={0: "name", 1: "siret", 2: "siret"})


def test_an_import_leaves_one_audit_event_with_its_counts_not_one_per_row(association, write_csv, importer):
    from grappe.core.models import AuditEvent

    path = write_csv([member_row(1), member_row(2), member_row(3)])
    result = import_file(path=path, association=association, user=importer)

    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.object_label) == ("import", importer, "membres.csv")
    assert event.context_id == result.source_file.pk
    assert event.details["rows"] == 3 and event.details["imported"] == 3
    assert event.details["organisations_created"] == 3 and event.details["association"] == "Auvergne TIC"


def test_a_refused_import_leaves_no_audit_event(association, write_csv):
    from grappe.core.models import AuditEvent

    path = write_csv([member_row(1), member_row(2, **{"Raison sociale": ""})])
    with pytest.raises(ImportRefused):
        import_file(path=path, association=association)
    assert not AuditEvent.objects.exists()


def test_a_row_saying_neither_status_nor_start_date_is_an_unknown_status_never_a_member_in_good_standing(
    association, write_csv
):
    from grappe.registry.stats import member_count

    rows = [
        member_row(1, Statut="", **{"Date d'adhésion": ""}),
        member_row(2, Statut=""),
        member_row(3, Statut="Inconnu", **{"Date d'adhésion": ""}),
    ]

    import_file(path=write_csv(rows), association=association)

    status = dict(Membership.objects.values_list("organisation__name", "status"))
    assert status == {
        "Entreprise 1 SAS": Membership.Status.UNKNOWN,
        "Entreprise 2 SAS": Membership.Status.ACTIVE,
        "Entreprise 3 SAS": Membership.Status.UNKNOWN,
    }
    assert member_count(association) == 1
