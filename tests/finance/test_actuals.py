"""Actual budget entries from the staff pages: adding, editing and deleting one (French amounts, located
refusals, the line and its place agreeing), a permanent's territories, the audit trail, and the import of the
accounting's export (every bad row located, nothing written)."""

from __future__ import annotations

import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from grappe.core.models import AuditEvent
from grappe.finance import actual_imports, actuals, budgets
from grappe.finance.budget_models import ActualEntry, Budget, BudgetLine, Category

from .test_budgets import budget  # noqa: F401  (the fixture: a 2026 budget with two shared plans)

YEAR = 2026


def page_text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def coded(budget: Budget) -> Budget:  # noqa: F811
    """The budget with accounting codes on its lines."""
    codes = {"Région": "706-REG", "Direction": "641-SIE", "Valence": "641-VAL", "Demo day Valence": "623-DEM"}
    for label, code in codes.items():
        BudgetLine.objects.filter(budget=budget, label=label).update(code=code)
    return budget


def _line(label: str) -> BudgetLine:
    return BudgetLine.objects.get(label=label)


def _staff_actual(user, of: Budget, column: str) -> int:
    overview = budgets.budget_overview(of, user=user)
    return next(c for c in overview.columns if c.name == column).figures[Category.STAFF].actual_cents


# -- amounts -------------------------------------------------------------------------------------------------


@given(st.integers(min_value=1, max_value=10**11))
def test_an_amount_reads_the_same_written_the_french_or_the_plain_way(amount_cents):
    euros, rest = divmod(amount_cents, 100)
    french = f"{euros:,}".replace(",", "\u202f") + f",{rest:02d}"
    plain = f"{euros}.{rest:02d}"

    assert actuals.parse_amount(french) == amount_cents
    assert actuals.parse_amount(plain) == amount_cents
    assert actuals.parse_amount(f"{french} €") == amount_cents


def test_french_amounts_with_thousands_and_the_refusals():
    assert actuals.parse_amount("1 234,56") == 123_456
    assert actuals.parse_amount("1234.56") == 123_456
    for text, message in [
        ("-12,00", "négatif"),
        ("(12,00)", "négatif"),
        ("0", "nul"),
        ("0,00", "nul"),
        ("", "obligatoire"),
        ("12,345", "ambigu"),
        ("12,3456", "deux décimales"),
        ("douze", "illisible"),
    ]:
        with pytest.raises(actuals.EntryError, match=message) as refused:
            actuals.parse_amount(text)
        assert refused.value.field == "amount"


# -- the pages -----------------------------------------------------------------------------------------------


def _form(**changes) -> dict[str, str]:
    return {
        "line": "",
        "category": "",
        "label": "Salaires d'octobre",
        "date": "2026-10-31",
        "amount": "1 234,56",
        "territory": "",
        "office": "",
        "action_plan": "",
    } | changes


def test_staff_add_an_entry_on_a_line_and_the_budget_reads_it_at_once(coded, registry, hq_client, hq_user):
    before = _staff_actual(hq_user, coded, "Drôme-Ardèche")
    url = reverse("budgets:actual_create", args=[coded.pk])
    assert hq_client.get(url).status_code == 200

    response = hq_client.post(url, _form(line=str(_line("Valence").pk)))

    assert response.status_code == 302 and response["Location"] == reverse("budgets:detail", args=[coded.pk])
    entry = ActualEntry.objects.get(label="Salaires d'octobre")
    assert (entry.amount_cents, entry.line, entry.category) == (123_456, _line("Valence"), Category.STAFF)
    assert entry.office == registry.valence and entry.recorded_by_id is not None
    assert _staff_actual(hq_user, coded, "Drôme-Ardèche") == before + 123_456
    page = page_text(hq_client.get(reverse("budgets:detail", args=[coded.pk])))
    assert "1 234,56 €" in page
    event = AuditEvent.objects.filter(action="finance.budget_actual").latest("pk")
    assert event.object_id == entry.pk and event.details["amount_cents"] == 123_456


def test_an_entry_placed_by_hand_without_a_line(coded, registry, hq_client):
    response = hq_client.post(
        reverse("budgets:actual_create", args=[coded.pk]),
        _form(
            category=Category.EVENTS, territory=str(registry.loire.pk), amount="1234.56", date="14/03/2026"
        ),
    )

    assert response.status_code == 302
    entry = ActualEntry.objects.get(label="Salaires d'octobre")
    assert (entry.territory, entry.date, entry.line) == (registry.loire, datetime.date(2026, 3, 14), None)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "-50"}, "amount", "négatif"),
        ({"amount": "0"}, "amount", "nul"),
        ({"date": "2025-12-31"}, "date", "n'est pas dans l'exercice 2026"),
        ({"line": "", "category": ""}, "category", "Choisissez une ligne de budget ou une catégorie"),
        ({"category": Category.SUBSIDY}, "category", "la catégorie « subventions régionales et publiques »"),
        ({"territory": "loire"}, "territory", "le territoire « Loire » ne lui correspond pas"),
        ({"office": "head office"}, "office", "l'implantation « Siège de Saint-Étienne »"),
    ],
)
def test_a_wrong_entry_is_refused_on_its_field_and_nothing_is_written(
    coded, registry, hq_client, changes, field, message
):
    places = {"loire": str(registry.loire.pk), "head office": str(registry.head_office.pk)}
    data = _form(line=str(_line("Valence").pk)) | {
        key: places.get(value, value) for key, value in changes.items()
    }
    before = ActualEntry.objects.count()

    response = hq_client.post(reverse("budgets:actual_create", args=[coded.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert ActualEntry.objects.count() == before


def test_an_office_outside_the_territory_chosen_is_refused(coded, registry, hq_client):
    data = _form(category=Category.EVENTS, territory=str(registry.loire.pk), office=str(registry.valence.pk))

    response = hq_client.post(reverse("budgets:actual_create", args=[coded.pk]), data)

    assert response.status_code == 200
    assert "est dans le territoire « Drôme-Ardèche », pas « Loire »" in page_text(response)
    assert not ActualEntry.objects.filter(label="Salaires d'octobre").exists()


def test_edit_and_delete_an_entry_each_leave_an_audit_event(coded, hq_client, hq_user):
    entry = actuals.record_actual(
        budget=coded,
        line=_line("Valence"),
        label="Salaires",
        date=datetime.date(YEAR, 2, 28),
        amount_cents=100,
    )
    edit = reverse("budgets:actual_edit", args=[entry.pk])
    assert "1,00" in hq_client.get(edit).content.decode()

    response = hq_client.post(edit, _form(line=str(_line("Valence").pk), label="Salaires", amount="2 500"))

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.amount_cents == 250_000 and entry.date == datetime.date(YEAR, 10, 31)
    changed = AuditEvent.objects.get(action="finance.budget_actual_changed")
    assert changed.changes["amount_cents"] == [100, 250_000] and changed.user == hq_user

    assert hq_client.get(reverse("budgets:actual_delete", args=[entry.pk])).status_code == 200
    response = hq_client.post(reverse("budgets:actual_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not ActualEntry.objects.filter(pk=entry.pk).exists()
    deleted = AuditEvent.objects.get(action="finance.budget_actual_deleted")
    assert deleted.details["amount_cents"] == 250_000 and "Salaires" in deleted.object_label


def test_a_permanent_writes_in_their_territories_only(coded, registry, territorial_client, territorial_user):
    loire_entry = ActualEntry.objects.get(label="Salaires siège")  # head office, Loire
    assert territorial_client.get(reverse("budgets:actual_edit", args=[loire_entry.pk])).status_code == 404
    assert territorial_client.post(reverse("budgets:actual_delete", args=[loire_entry.pk])).status_code == 404
    listing = page_text(territorial_client.get(reverse("budgets:actuals", args=[coded.pk])))
    assert "Salaires siège" not in listing

    form = territorial_client.get(reverse("budgets:actual_create", args=[coded.pk])).context["form"]
    assert [line.label for line in form.fields["line"].queryset] == ["Demo day Valence", "Valence"]
    assert list(form.fields["territory"].queryset) == [registry.drome_ardeche]
    url = reverse("budgets:actual_create", args=[coded.pk])
    # A line of another territory, a territory of another, the network's part: refused, nothing written.
    for data in (
        _form(line=str(_line("Direction").pk)),
        _form(category=Category.EVENTS, territory=str(registry.loire.pk)),
        _form(category=Category.EVENTS),
    ):
        response = territorial_client.post(url, data)
        assert response.status_code == 200
    assert "Vous saisissez les réalisés de vos territoires" in page_text(response)
    assert not ActualEntry.objects.filter(label="Salaires d'octobre").exists()

    response = territorial_client.post(url, _form(line=str(_line("Valence").pk)))
    assert response.status_code == 302
    assert _staff_actual(territorial_user, coded, "Drôme-Ardèche") == 123_456


# -- the import ----------------------------------------------------------------------------------------------


def _upload(client, budget: Budget, name: str, content: bytes):  # noqa: F811
    upload = SimpleUploadedFile(name, content)
    return client.post(reverse("budgets:actual_import", args=[budget.pk]), {"file": upload})


def test_the_accounting_export_is_imported_line_by_code(coded, hq_client, hq_user):
    content = (
        "Date;Libellé;Montant;Code ligne\n"
        "31/01/2026;Salaires janvier Valence;3 100,50;641-VAL\n"
        "2026-02-28;Salaires février siège;4200.00;641-sie\n"
        ";;;\n"
        "15/03/2026;Solde subvention Région;25 000;706-REG\n"
    ).encode("cp1252")
    before = _staff_actual(hq_user, coded, "Drôme-Ardèche")

    response = _upload(hq_client, coded, "export-compta.csv", content)

    assert response.status_code == 302, page_text(response)
    imported = ActualEntry.objects.filter(label__in=["Salaires janvier Valence", "Salaires février siège"])
    assert {entry.line.code for entry in imported} == {"641-VAL", "641-SIE"}
    assert _staff_actual(hq_user, coded, "Drôme-Ardèche") == before + 310_050
    assert AuditEvent.objects.filter(action="finance.budget_actual").count() >= 3
    event = AuditEvent.objects.get(action="finance.budget_actuals_imported")
    assert event.details == {
        "file": "export-compta.csv",
        "entries": 3,
        "total_cents": 310_050 + 420_000 + 2_500_000,
    }


def test_every_bad_row_is_located_and_nothing_is_written(coded, hq_client):
    content = (
        "Date;Libellé;Montant;Code ligne\n"
        "31/01/2026;Bon;100,00;641-VAL\n"
        "31/01/2025;Année précédente;100,00;641-VAL\n"
        "31/02/2026;Date impossible;100,00;641-VAL\n"
        "01/03/2026;Négatif;-100,00;641-VAL\n"
        "01/03/2026;Nul;0;641-VAL\n"
        "01/03/2026;Code inconnu;100,00;999\n"
        "01/03/2026;;100,00;641-VAL\n"
    ).encode()
    before = ActualEntry.objects.count()

    response = _upload(hq_client, coded, "compta.csv", content)

    assert response.status_code == 200
    problems = response.context["problems"]
    located = [(p.location.line, p.location.column.split(" ")[0]) for p in problems]
    assert located == [(3, "A"), (4, "A"), (5, "C"), (6, "C"), (7, "D"), (8, "B")]
    text = page_text(response)
    assert "6 ligne(s) refusée(s) dans « compta.csv » : aucun réalisé n'a été enregistré" in text
    assert "Code de ligne « 999 » inconnu" in text and "641-VAL" in text
    assert ActualEntry.objects.count() == before


def test_an_export_with_debit_and_credit_columns_is_read_by_each_lines_direction(coded, hq_client, hq_user):
    """Accounting software writes « Débit » and « Crédit » rather than one amount: an expense line takes the
    debit (less any credit), an income line the credit (less any debit)."""
    content = (
        "Date;Libellé;Débit;Crédit;Code ligne\n"
        "31/01/2026;Salaires janvier Valence;3 100,50;;641-VAL\n"
        "15/03/2026;Solde subvention Région;0,00;25 000,00;706-REG\n"
        "28/02/2026;Salaires février, régularisation;500,00;100,00;641-VAL\n"
    ).encode("cp1252")

    response = _upload(hq_client, coded, "grand-livre.csv", content)

    assert response.status_code == 302, page_text(response)
    amounts = dict(
        ActualEntry.objects.filter(
            label__in=[
                "Salaires janvier Valence",
                "Solde subvention Région",
                "Salaires février, régularisation",
            ]
        ).values_list("label", "amount_cents")
    )
    assert amounts == {
        "Salaires janvier Valence": 310_050,
        "Solde subvention Région": 2_500_000,
        "Salaires février, régularisation": 40_000,
    }


def test_a_debit_or_credit_against_the_lines_direction_is_refused_where_it_stands(coded, hq_client):
    content = (
        "Date;Libellé;Débit;Crédit;Code ligne\n"
        "31/01/2026;Remboursement de salaire;;250,00;641-VAL\n"
        "15/03/2026;Subvention reversée;1 000,00;;706-REG\n"
        "16/03/2026;Sans montant;;;641-VAL\n"
        "17/03/2026;Crédit illisible;;douze;706-REG\n"
    ).encode()
    before = ActualEntry.objects.count()

    response = _upload(hq_client, coded, "grand-livre.csv", content)

    assert response.status_code == 200
    problems = response.context["problems"]
    assert [(p.location.line, p.location.column.split(" ")[0]) for p in problems] == [
        (2, "D"),
        (3, "C"),
        (4, "C"),
        (5, "D"),
    ]
    text = page_text(response)
    assert "ligne de dépense" in text and "ligne de recette" in text
    assert ActualEntry.objects.count() == before
    response = _upload(
        hq_client, coded, "grand-livre.csv", b"Date;Libelle;Debit;Code\n01/01/2026;x;1;641-VAL\n"
    )
    assert "« Montant »" in page_text(response)  # a debit without a credit column is not an amount


def test_an_xlsx_export_is_imported_and_a_missing_column_is_named(coded, hq_client, tmp_path: Path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Libellé", "Montant", "Code ligne"])
    sheet.append([datetime.datetime(2026, 4, 30), "Demo day, traiteur", 1234.56, "623-DEM"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = _upload(hq_client, coded, "compta.xlsx", buffer.getvalue())

    assert response.status_code == 302, page_text(response)
    entry = ActualEntry.objects.get(label="Demo day, traiteur")
    assert (entry.amount_cents, entry.date, entry.line.code) == (
        123_456,
        datetime.date(2026, 4, 30),
        "623-DEM",
    )

    response = _upload(hq_client, coded, "compta.csv", b"Date;Libelle;Montant\n01/01/2026;x;1\n")
    assert response.status_code == 200
    assert "colonne(s) « Code ligne » introuvable(s)" in page_text(response)


def test_a_permanent_cannot_import_into_another_territory(coded, territorial_client):
    content = "Date;Libellé;Montant;Code\n31/01/2026;Siège;100;641-SIE\n31/01/2026;Valence;100;641-VAL\n"
    before = ActualEntry.objects.count()

    response = _upload(territorial_client, coded, "compta.csv", content.encode())

    assert [p.location.line for p in response.context["problems"]] == [2]
    assert "Vous saisissez les réalisés de vos territoires" in page_text(response)
    assert ActualEntry.objects.count() == before


def test_a_crash_halfway_through_the_import_writes_nothing(coded, hq_user, tmp_path, monkeypatch):
    path = tmp_path / "compta.csv"
    path.write_text("Date;Libellé;Montant;Code\n31/01/2026;A;100;641-VAL\n28/02/2026;B;100;641-VAL\n")
    real = actuals.record_actual
    calls = []

    def failing(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("disque plein")
        return real(**kwargs)

    monkeypatch.setattr(actuals, "record_actual", failing)
    before = ActualEntry.objects.count()
    with pytest.raises(RuntimeError):
        actual_imports.import_actuals(path, budget=coded, file_name="compta.csv", user=hq_user)
    # The import is one transaction: the first entry went with the second.
    assert len(calls) == 2 and ActualEntry.objects.count() == before


def test_the_admin_writes_through_the_same_service(coded, admin_client):
    url = reverse("admin:finance_actualentry_add")
    values = {
        "budget": coded.pk,
        "line": _line("Valence").pk,
        "date": "2026-05-31",
        "category": Category.STAFF,
        "label": "Salaires de mai",
        "euros": "1200.50",
        "office": "",
        "territory": "",
        "action_plan": "",
    }
    refused = admin_client.post(url, values | {"category": Category.EVENTS})
    assert refused.status_code == 200 and "ne lui correspond pas" in page_text(refused)

    assert admin_client.post(url, values).status_code == 302
    entry = ActualEntry.objects.get(label="Salaires de mai")
    assert (entry.line, entry.office.name, entry.amount_cents) == (
        _line("Valence"),
        "Antenne de Valence",
        120_050,
    )
    change = reverse("admin:finance_actualentry_change", args=[entry.pk])
    assert admin_client.post(change, values | {"euros": "1300"}).status_code == 302
    entry.refresh_from_db()
    assert entry.amount_cents == 130_000 and entry.line == _line("Valence")
    event = AuditEvent.objects.get(action="finance.budget_actual_changed", object_id=entry.pk)
    assert event.changes["amount_cents"] == [120_050, 130_000]


def test_a_file_that_is_not_a_table_is_refused_with_the_accounting_hint(coded, hq_client):
    response = _upload(hq_client, coded, "compta.pdf", b"%PDF-1.4\n\x00\x01\x02binary")

    text = page_text(response)
    assert response.status_code == 200 and "compta.pdf" in text
    assert "logiciel de comptabilité" in text and "adhérents" not in text
