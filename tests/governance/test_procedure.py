"""A merger's legal procedure in the database: opened once per association merger, steps recorded with their
document through the shared uploads helper and refused with every problem named, the timeline's deadlines, late
and missing steps and each association's dissolution rules from its statutes, on the staff page and in the
back office."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance.conftest import NUMELINK_2016
from grappe.core.models import AuditEvent
from grappe.governance import procedure, services
from grappe.governance.errors import ProcedureRefused
from grappe.governance.models import MergerProcedure, ProcedureStep
from grappe.governance.procedure_rules import Kind, State
from grappe.mergers.models import Merger

pytestmark = pytest.mark.django_db

AGE = datetime.date(2016, 3, 31)
TODAY = datetime.date(2016, 4, 5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def merger(registry):
    return Merger.objects.create(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=AGE
    )


@pytest.fixture
def opened(merger):
    return procedure.open_procedure(merger=merger)


@pytest.fixture
def auvergne_statutes(registry):
    text = NUMELINK_2016.replace("date: 2016-03-31", "date: 2010-06-01").replace(
        "fusion: {base: presents_et_representes, seuil: 2/3}",
        "fusion: {base: presents_et_representes, seuil: 2/3}\n      dissolution: {base: exprimes, seuil: 3/4}",
    )
    return services.import_statutes(association=registry.auvergne_tic, text=text)


def _on_time(opened, registry):
    """Every prior step on time (contributions below the auditor's threshold), both assemblies approving on
    31 March 2016."""
    opened.contributions_euros = Decimal("300000")
    opened.save()
    for association, day in ((registry.auvergne_tic, 15), (registry.numelink, 20)):
        procedure.record_step(
            procedure=opened,
            kind="board",
            association=association,
            done_on=datetime.date(2016, 1, day),
            today=TODAY,
        )
        procedure.record_step(
            procedure=opened,
            kind="assembly",
            association=association,
            planned_on=AGE,
            done_on=AGE,
            approved=True,
            today=TODAY,
        )
    procedure.record_step(procedure=opened, kind="documents", done_on=datetime.date(2016, 2, 26), today=TODAY)


def _step(timeline, kind, association=None):
    return next(
        row
        for row in timeline.rows
        if row.step.kind is kind and (association is None or row.association == association)
    )


def test_a_procedure_opens_with_the_law_s_delays_once_per_merger(merger):
    opened = procedure.open_procedure(merger=merger)
    assert (opened.board_lead_months, opened.notice_days, opened.documents_days) == (2, 30, 30)
    assert AuditEvent.objects.filter(action="procedure.open").count() == 1
    with pytest.raises(ProcedureRefused, match="déjà ouverte"):
        procedure.open_procedure(merger=merger)
    assert MergerProcedure.objects.count() == 1


def test_a_deduplication_has_no_procedure(registry):
    cleanup = Merger.objects.create(
        absorbing=registry.numelink,
        absorbed=registry.numelink,
        kind=Merger.Kind.DEDUPLICATION,
        effective_on=AGE,
    )
    with pytest.raises(ProcedureRefused, match="dédoublonnage"):
        procedure.open_procedure(merger=cleanup)
    assert not MergerProcedure.objects.exists()


def test_the_procedure_follows_the_merger_from_an_abandoned_plan_to_the_one_replacing_it(registry):
    """Planned with the wrong date, the plan is abandoned and the networks planned again: the procedure opened on
    the first plan, with its steps, is the new plan's; a plan abandoned for good keeps none to open."""
    from grappe.mergers import services as mergers

    first = mergers.plan_merger(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=TODAY
    )
    opened = procedure.open_procedure(merger=first)
    procedure.record_step(
        procedure=opened,
        kind="board",
        association=registry.auvergne_tic,
        done_on=datetime.date(2016, 1, 15),
        today=TODAY,
    )
    first = mergers.abandon_plan(merger=first)

    second = mergers.plan_merger(
        absorbing=registry.numelink, absorbed=registry.auvergne_tic, effective_on=AGE
    )

    opened.refresh_from_db()
    assert opened.merger == second and ProcedureStep.objects.filter(procedure=opened).count() == 1
    moved = AuditEvent.objects.get(action="procedure.carry_over")
    assert moved.details == {"abandoned_plan": "Auvergne TIC → Numélink"} and moved.context_id == second.pk
    with pytest.raises(ProcedureRefused, match="a été abandonné"):
        procedure.open_procedure(merger=first)
    assert MergerProcedure.objects.count() == 1


def test_an_assembly_held_before_the_30_day_notice_is_flagged(opened, registry):
    _on_time(opened, registry)
    procedure.record_step(procedure=opened, kind="notice", done_on=datetime.date(2016, 3, 10), today=TODAY)
    timeline = procedure.timeline(opened, TODAY)
    notice = _step(timeline, Kind.NOTICE)
    assert notice.step.deadline == datetime.date(2016, 3, 1) and notice.step.state is State.LATE
    assert [row.step.kind for row in timeline.flagged] == [Kind.NOTICE]
    assert timeline.effective_on == AGE  # the last approving vote


def test_a_missing_auditor_above_the_threshold_is_flagged(opened, registry):
    _on_time(opened, registry)
    procedure.record_step(procedure=opened, kind="notice", done_on=datetime.date(2016, 2, 20), today=TODAY)
    opened.contributions_euros = Decimal("1600000")
    opened.save()
    timeline = procedure.timeline(opened, TODAY)
    auditor = _step(timeline, Kind.AUDITOR)
    assert timeline.auditor_required is True
    assert auditor.step.state is State.OVERDUE and auditor.flagged
    opened.contributions_euros = Decimal("400000")
    opened.save()
    assert _step(procedure.timeline(opened, TODAY), Kind.AUDITOR).step.state is State.NOT_REQUIRED


def test_the_board_delay_is_read_from_the_procedure(opened, registry):
    _on_time(opened, registry)
    assert _step(procedure.timeline(opened, TODAY), Kind.BOARD, registry.numelink).step.state is State.DONE
    opened.board_lead_months = 3
    opened.save()
    board = _step(procedure.timeline(opened, TODAY), Kind.BOARD, registry.numelink)
    assert board.step.deadline == datetime.date(2015, 12, 31) and board.step.state is State.LATE


def test_each_assembly_shows_its_own_dissolution_rules_or_not_set(
    opened, registry, statutes_2016, auvergne_statutes
):
    _on_time(opened, registry)
    timeline = procedure.timeline(opened, TODAY)
    auvergne = dict(_step(timeline, Kind.ASSEMBLY, registry.auvergne_tic).dissolution_rules)
    numelink = dict(_step(timeline, Kind.ASSEMBLY, registry.numelink).dissolution_rules)
    assert auvergne["Majorité pour une dissolution"] == "3/4, base : exprimes"
    assert auvergne["Quorum de l'AGE"] == "1/4, base : membres"
    assert numelink["Majorité pour une dissolution"] == "non fixé par les statuts"


def test_a_step_is_refused_with_every_problem_and_nothing_is_written(opened, registry):
    with pytest.raises(ProcedureRefused) as refused:
        procedure.record_step(
            procedure=opened,
            kind="notice",
            association=registry.numelink,
            done_on=TODAY + datetime.timedelta(days=1),
            approved=True,
            today=TODAY,
        )
    message = str(refused.value)
    assert "commune aux associations" in message and "dans le futur" in message
    assert "seule une assemblée approuve" in message
    with pytest.raises(ProcedureRefused, match="n'est pas partie à cette fusion"):
        procedure.record_step(
            procedure=opened, kind="board", association=registry.rhonealley, done_on=AGE, today=TODAY
        )
    with pytest.raises(ProcedureRefused, match="indiquez l'association"):
        procedure.record_step(procedure=opened, kind="assembly", done_on=AGE, today=TODAY)
    assert not ProcedureStep.objects.exists()


def test_a_document_is_attached_replaced_and_an_empty_one_refused(opened, media):
    step = procedure.record_step(
        procedure=opened,
        kind="documents",
        done_on=AGE,
        upload=SimpleUploadedFile("../traite.pdf", b"%PDF-1.4 traite"),
        today=TODAY,
    )
    assert step.document_name == "traite.pdf"
    first = step.document.path
    step = procedure.record_step(
        procedure=opened,
        kind="documents",
        done_on=AGE,
        upload=SimpleUploadedFile("comptes.pdf", b"%PDF-1.4 comptes"),
        today=TODAY,
    )
    assert step.document_name == "comptes.pdf" and Path(step.document.path).read_bytes().endswith(b"comptes")
    assert not Path(first).exists()
    with pytest.raises(ProcedureRefused, match="est vide"):
        procedure.record_step(
            procedure=opened,
            kind="notice",
            done_on=AGE,
            upload=SimpleUploadedFile("avis.pdf", b""),
            today=TODAY,
        )
    assert not list((media / "governance").rglob("avis*"))


def test_a_document_too_large_is_refused(opened, settings):
    settings.GRAPPE_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ProcedureRefused, match="dépasse la taille maximale"):
        procedure.record_step(
            procedure=opened,
            kind="notice",
            done_on=AGE,
            upload=SimpleUploadedFile("avis.pdf", b"x" * 11),
            today=TODAY,
        )
    assert not ProcedureStep.objects.exists()


def _clean(page: str) -> None:
    assert "<script>" not in page and 'style="' not in page


def test_the_staff_page_shows_the_timeline_with_deadlines_and_flags(opened, registry, hq_client, merger):
    _on_time(opened, registry)
    procedure.record_step(
        procedure=opened,
        kind="notice",
        done_on=datetime.date(2016, 3, 10),
        upload=SimpleUploadedFile("avis.pdf", b"%PDF avis"),
        today=TODAY,
    )
    response = hq_client.get(reverse("governance:merger_procedure", args=[merger.pk]))
    page = response.content.decode()
    _clean(page)
    assert "Procédure de fusion" in page
    flagged = page.split('id="flagged"')[1].split("</div>")[0]
    assert "Avis dans un journal d&#x27;annonces légales" in flagged and "fait en retard" in flagged
    assert "au plus tard le 1 mars 2016" in page  # the notice, 30 days before the first assembly
    assert "Date d'effet" in page and "31 mars 2016" in page and "(dernier vote favorable)" in page
    assert "Déclaration en préfecture" in page and "au plus tard le 30 juin 2016" in page
    assert "non obligatoire (apports sous 1 550 000 €)" in page
    step = ProcedureStep.objects.get(kind="notice")
    document = hq_client.get(reverse("governance:procedure_document", args=[step.pk]))
    assert document.status_code == 200 and b"".join(document.streaming_content) == b"%PDF avis"
    assert "avis.pdf" in document["Content-Disposition"]


def test_the_page_opens_a_procedure_for_those_allowed(merger, hq_user, hq_client):
    url = reverse("governance:merger_procedure", args=[merger.pk])
    page = hq_client.get(url).content.decode()
    assert "Aucune procédure n'est ouverte" in page and "Ouvrir la procédure" not in page
    assert hq_client.post(url).status_code == 403
    hq_user.user_permissions.add(
        Permission.objects.get(codename="add_mergerprocedure"),
        Permission.objects.get(codename="change_mergerprocedure"),
    )
    response = hq_client.post(url)
    assert response.status_code == 302 and MergerProcedure.objects.filter(merger=merger).exists()
    refused = hq_client.post(url)
    assert refused.status_code == 400 and "déjà ouverte" in refused.content.decode()


def test_procedure_pages_are_for_staff_only(opened, merger, client, nonstaff_client):
    ProcedureStep.objects.create(procedure=opened, kind="notice")
    for url in (
        reverse("governance:merger_procedure", args=[merger.pk]),
        reverse("governance:procedure_document", args=[ProcedureStep.objects.get().pk]),
    ):
        assert client.get(url).status_code == 302
        assert nonstaff_client.get(url).status_code == 403


def test_a_step_without_document_has_no_download(opened, hq_client):
    step = ProcedureStep.objects.create(procedure=opened, kind="notice")
    assert hq_client.get(reverse("governance:procedure_document", args=[step.pk])).status_code == 404


def _inline(prefix: str = "steps", **row: str) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    data.update({f"{prefix}-0-{key}": value for key, value in row.items()})
    return data


def _procedure_form(opened) -> dict[str, str]:
    return {"board_lead_months": "2", "notice_days": "30", "documents_days": "30", "contributions_euros": ""}


def test_the_back_office_records_a_step_through_the_service(opened, registry, admin_client):
    url = reverse("admin:governance_mergerprocedure_change", args=[opened.pk])
    data = _procedure_form(opened) | _inline(
        kind="board", association=str(registry.numelink.pk), done_on="2016-01-20", approved="unknown"
    )
    data["steps-0-document"] = SimpleUploadedFile("traite.pdf", b"%PDF traite")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    step = ProcedureStep.objects.get()
    assert step.done_on == datetime.date(2016, 1, 20) and step.document_name == "traite.pdf"
    assert AuditEvent.objects.filter(action="procedure.step").count() == 1


def test_the_back_office_refuses_a_step_and_says_why(opened, registry, admin_client):
    url = reverse("admin:governance_mergerprocedure_change", args=[opened.pk])
    data = _procedure_form(opened) | _inline(
        kind="board", association=str(registry.rhonealley.pk), approved="unknown"
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "n&#x27;est pas partie à cette fusion" in response.content.decode()
    assert not ProcedureStep.objects.exists()


def test_the_back_office_opens_a_procedure_through_the_service(merger, registry, admin_client):
    data = {"merger": str(merger.pk)} | _procedure_form(None)
    data["board_lead_months"] = "3"
    response = admin_client.post(reverse("admin:governance_mergerprocedure_add"), data)
    assert response.status_code == 302
    assert MergerProcedure.objects.get().board_lead_months == 3
    assert AuditEvent.objects.filter(action="procedure.open").count() == 1
    again = admin_client.post(reverse("admin:governance_mergerprocedure_add"), data)
    assert again.status_code == 200 and "déjà ouverte" in again.content.decode()


def test_the_back_office_refuses_a_second_row_for_the_same_step(opened, registry, admin_client):
    procedure.record_step(procedure=opened, kind="notice", done_on=AGE, today=TODAY)
    url = reverse("admin:governance_mergerprocedure_change", args=[opened.pk])
    existing = ProcedureStep.objects.get()
    data = _procedure_form(opened) | {
        "steps-TOTAL_FORMS": "2",
        "steps-INITIAL_FORMS": "1",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-id": str(existing.pk),
        "steps-0-procedure": str(opened.pk),
        "steps-0-kind": "notice",
        "steps-0-done_on": "2016-03-31",
        "steps-0-approved": "unknown",
        "steps-1-kind": "notice",
        "steps-1-done_on": "2016-02-01",
        "steps-1-approved": "unknown",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "elle est déjà enregistrée" in response.content.decode()
    assert ProcedureStep.objects.get().done_on == AGE


def test_the_governance_index_links_each_merger_to_its_procedure(merger, opened, hq_client):
    page = hq_client.get(reverse("governance:index")).content.decode()
    assert reverse("governance:merger_procedure", args=[merger.pk]) in page


def test_the_page_shows_the_states_as_of_a_chosen_date(opened, registry, hq_client, merger):
    procedure.record_step(
        procedure=opened,
        kind="assembly",
        association=registry.numelink,
        planned_on=AGE,
        today=TODAY,
    )
    url = reverse("governance:merger_procedure", args=[merger.pk])
    before = hq_client.get(url, {"date": "2016-03-30"}).content.decode()
    assert "Étapes au 30 mars 2016" in before and "Assemblée générale extraordinaire" in before
    entry = before.split("— Numélink")[-1].split("</li>")[0]
    assert "à faire" in entry
    after = hq_client.get(url, {"date": "2016-04-01"}).content.decode()
    assert "en retard, non fait" in after.split("— Numélink")[-1].split("</li>")[0]
