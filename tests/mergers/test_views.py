"""The merger pages: list and plan, review queue (one decision at a time, bulk accept), apply and undo with
their confirmation step, the report and its downloads, and who may see any of it.

The merger is built through the same services a user's clicks call: Numélink's and Auvergne TIC's exports are
imported by the intake, then planned (``tests/mergers/scenario.py``). Apply and undo are queued by their POST:
the suite's immediate backend runs them as they are queued; the test through the pages works the database
queue off as production does (``test_actions.py`` holds the queue's own cases).
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation

from grappe.mergers import services
from grappe.mergers.models import AuditEntry, CandidatePair, Merger
from grappe.mergers.report import merger_report, report_html
from grappe.mergers.snapshot import registry_checksum
from grappe.registry.models import Organisation

from . import scenario

pytestmark = pytest.mark.django_db


# Every test here runs in its own transaction: the world and its plan are built once for the module
# (conftest.py, ``plan_built_once``); the apply and undo through the queue are in test_actions.py.
@pytest.fixture
def world(plan_built_once) -> scenario.Scenario:
    return plan_built_once.world()


@pytest.fixture
def manager(plan_built_once):
    return plan_built_once.manager()


@pytest.fixture
def merger(plan_built_once) -> Merger:
    return plan_built_once.merger()


@pytest.fixture
def outsider_client(django_user_model) -> Client:
    """A signed-in staff member without the merger right."""
    client = Client()
    client.force_login(django_user_model.objects.create_user("stagiaire", is_staff=True))
    return client


def url(name: str, merger: Merger, **kwargs: int) -> str:
    return reverse(f"mergers:{name}", kwargs={"merger_id": merger.pk, **kwargs})


def review_pairs(merger: Merger) -> list[CandidatePair]:
    return list(services.undecided_pairs(merger).order_by("pk"))


def confirm_types(client: Client, merger: Merger) -> None:
    """The director confirms the proposed membership types on the plan page, as apply requires."""
    form = client.get(url("detail", merger)).context["mapping_form"]
    data = {name: field.initial for name, field in form.fields.items()}
    assert client.post(url("mapping", merger), data).status_code == 302


# -- who may see the pages ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, merger: Merger):
    for address in (
        reverse("mergers:list"),
        url("detail", merger),
        url("review", merger),
        url("report", merger),
    ):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_without_the_merger_right_get_403_on_the_list_and_404_on_a_merger(
    outsider_client: Client, merger: Merger
):
    assert outsider_client.get(reverse("mergers:list")).status_code == 403
    pair = review_pairs(merger)[0]
    for address in (
        url("detail", merger),
        url("review", merger),
        url("report", merger),
        url("report_csv", merger),
        url("report_pdf", merger),
        url("apply", merger),
        url("undo", merger),
    ):
        assert outsider_client.get(address).status_code == 404, address
    response = outsider_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "accepted"})
    assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.decision == CandidatePair.Decision.PENDING


def test_an_account_outside_the_staff_gets_nothing_even_with_the_merger_right(
    django_user_model, merger: Merger
):
    member = django_user_model.objects.create_user("representant", is_staff=False)
    member.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers")
    )
    client = Client()
    client.force_login(member)
    assert client.get(reverse("mergers:list")).status_code == 403
    assert client.get(url("detail", merger)).status_code == 404
    assert 'href="/fusions/"' not in client.get(reverse("login")).content.decode()


def test_a_missing_merger_looks_like_a_forbidden_one(manager_client: Client, merger: Merger):
    assert (
        manager_client.get(reverse("mergers:detail", kwargs={"merger_id": merger.pk + 99})).status_code == 404
    )


def test_the_menu_shows_fusions_only_to_those_who_manage_mergers(
    manager_client: Client, outsider_client: Client, world
):
    assert 'href="/fusions/"' in manager_client.get(reverse("mergers:list")).content.decode()
    assert 'href="/fusions/"' not in outsider_client.get(reverse("login")).content.decode()


def test_the_menu_follows_a_permission_given_through_a_group(django_user_model, world):
    from django.contrib.auth.models import Group

    board = Group.objects.create(name="Direction")
    board.permissions.add(Permission.objects.get(codename="manage_merger", content_type__app_label="mergers"))
    user = django_user_model.objects.create_user("president", is_staff=True)
    user.groups.add(board)
    client = Client()
    client.force_login(user)
    assert 'href="/fusions/"' in client.get(reverse("login")).content.decode()
    assert client.get(reverse("mergers:list")).status_code == 200


# -- list and plan -------------------------------------------------------------------------------------------


def test_the_list_shows_each_merger_with_its_counts(manager_client: Client, merger: Merger):
    page = manager_client.get(reverse("mergers:list")).content.decode()
    assert "Auvergne TIC → Numélink" in page
    assert "planifiée" in page
    assert "31/03/2016" in page
    assert "Préparer une fusion" in page


def test_the_list_counts_follow_the_decisions_and_the_apply(manager_client: Client, merger: Merger):
    def row() -> tuple[dict[str, int], list[str]]:
        response = manager_client.get(reverse("mergers:list"))
        (_merger, counts), *_ = response.context["mergers"]
        page = response.content.decode()
        cells = page.split("Auvergne TIC → Numélink", 1)[1].split("</tr>", 1)[0]
        return counts, [cell.split("</td", 1)[0].strip() for cell in cells.split('<td class="num">')[1:]]

    to_review = merger.summary["counts"]["to_review"]
    assert to_review >= 1
    counts, cells = row()
    assert f"{to_review}</span> / {to_review}" in cells[1]
    for pair in review_pairs(merger):  # every pair decided: nothing left undecided, the plan's figure stays
        manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "rejected"})
    counts, cells = row()
    assert cells[1] == str(to_review)
    confirm_types(manager_client, merger)
    manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    merger.refresh_from_db()
    counts, cells = row()
    assert counts["new_members"] == len(merger.outcome["new_members"])
    assert cells[2] == str(len(merger.outcome["new_members"]))


def test_the_plan_form_refuses_an_association_absorbing_itself(manager_client: Client, world):
    mergers_before = list(Merger.objects.values_list("pk", flat=True))
    response = manager_client.post(
        reverse("mergers:list"),
        {
            "absorbed": world.numelink.pk,
            "absorbing": world.numelink.pk,
            "kind": "absorption",
            "effective_on": "2016-03-31",
        },
    )
    assert response.status_code == 400
    assert "une association ne s&#x27;absorbe pas elle-même" in response.content.decode()
    assert list(Merger.objects.values_list("pk", flat=True)) == mergers_before


def test_the_plan_page_shows_the_summary_the_registry_before_and_after_and_the_type_mapping(
    manager_client: Client, merger: Merger
):
    response = manager_client.get(url("detail", merger))
    assert response.status_code == 200
    page = response.content.decode()
    counts = merger.summary["counts"]
    assert "Absorption de Auvergne TIC par Numélink" in page
    for label in (
        "correspondances sûres",
        "paires à vérifier",
        "nouveaux membres",
        "conflits",
        "doublons internes",
    ):
        assert label in page
    comparison = response.context["comparison"]
    projected = services.projection(merger)
    assert comparison["members"].befores == (
        projected["before"]["Numélink"]["members"],
        projected["before"]["Auvergne TIC"]["members"],
    )
    assert comparison["members"].after == projected["after"]["members"]
    assert "adhérents de Auvergne TIC avant" in page
    assert {row.key for row in comparison["departements"]} >= {"42", "63"}
    assert "42 — Loire" in page
    assert "Par territoire" in page
    # Apply is blocked while pairs await review, and the way out is offered.
    assert counts["to_review"] > 0
    assert response.context["apply_blocked"]
    assert "Appliquer en ne gardant que les correspondances sûres" in page
    # The absorbed registry's membership types, to map onto the absorber's.
    assert "Membre actif" in page
    assert reverse("mergers:review", kwargs={"merger_id": merger.pk}) in page
    assert reverse("mergers:report", kwargs={"merger_id": merger.pk}) in page


def test_confirming_the_membership_type_mapping(manager_client: Client, merger: Merger):
    form = manager_client.get(url("detail", merger)).context["mapping_form"]
    data = {f"type_{index}": "Entreprise" for index, _source in enumerate(form.absorbed_types)}
    response = manager_client.post(url("mapping", merger), data)
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.mapping_confirmed
    assert merger.membership_type_mapping["Membre actif"] == "Entreprise"
    assert AuditEntry.objects.filter(merger=merger, action=AuditEntry.Action.MAPPING).exists()


# -- review queue ---------------------------------------------------------------------------------------------


def test_the_review_page_shows_one_pair_side_by_side_with_its_evidence(
    manager_client: Client, merger: Merger
):
    response = manager_client.get(url("review", merger))
    assert response.status_code == 200
    pair = response.context["pair"]
    assert pair is not None and pair.decision == CandidatePair.Decision.PENDING
    page = response.content.decode()
    assert pair.left_label in page and pair.right_label in page
    assert f"0 / {response.context['progress']['total']} décidées" in page
    statuses = {row.field: row.status for row in response.context["fields"]}
    assert set(statuses.values()) <= {"same", "close", "different", "missing"}
    assert 'class="is-same"' in page or 'class="is-different"' in page
    assert response.context["evidence"], "the engine's per-field evidence is shown"
    assert "<kbd>a</kbd>" in page and 'data-shortcut="r"' in page and 'data-shortcut="s"' in page


def test_the_engine_evidence_reads_in_english_when_english_is_chosen(manager_client: Client, merger: Merger):
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = manager_client.get(url("review", merger))
    page = response.content.decode()
    assert "normalised company name" in page and "raison sociale normalisée" not in page
    levels = {row.level for row in response.context["evidence"]}
    assert levels and not levels & {"nom identique", "noms différents", "départements différents"}


def test_the_most_uncertain_pair_comes_first(manager_client: Client, merger: Merger):
    pair = manager_client.get(url("review", merger)).context["pair"]
    pending = [p for p in review_pairs(merger) if p.decision == CandidatePair.Decision.PENDING]
    assert abs(pair.match_probability - 0.5) == min(abs(p.match_probability - 0.5) for p in pending)


def test_a_decision_is_stored_with_who_and_when_and_the_next_pair_follows(
    manager_client: Client, merger: Merger, manager
):
    first = manager_client.get(url("review", merger)).context["pair"]
    before = datetime.datetime.now(datetime.UTC)
    response = manager_client.post(url("decide", merger, pair_id=first.pk), {"decision": "rejected"})
    assert response.status_code == 302
    assert response["Location"] == url("review", merger)
    first.refresh_from_db()
    assert first.decision == CandidatePair.Decision.REJECTED
    assert first.decided_by == manager
    assert first.decided_by_label == "Sophie Bernard"
    assert first.decided_at >= before
    following = manager_client.get(url("review", merger))
    assert following.context["pair"] is None or following.context["pair"].pk != first.pk
    assert following.context["progress"]["decided"] == 1
    assert "Sophie Bernard" in following.content.decode()  # the decisions log


def test_an_htmx_decision_swaps_in_the_next_pair_and_the_log(manager_client: Client, merger: Merger):
    first = manager_client.get(url("review", merger)).context["pair"]
    response = manager_client.post(
        url("decide", merger, pair_id=first.pk), {"decision": "accepted"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "mergers/_review_panel.html"
    page = response.content.decode()
    assert page.startswith('<div id="review-panel"')
    assert 'id="decision-log" hx-swap-oob="true"' in page
    assert "1 / " in page
    first.refresh_from_db()
    assert first.decision == CandidatePair.Decision.ACCEPTED


def test_skipping_moves_on_and_skipped_pairs_can_be_reviewed_again(manager_client: Client, merger: Merger):
    pairs = review_pairs(merger)
    for pair in pairs:
        manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "skipped"})
    page = manager_client.get(url("review", merger))
    assert page.context["pair"] is None
    assert "passée" in page.content.decode()
    again = manager_client.get(url("review", merger) + "?passees=1")
    assert again.context["pair"].decision == CandidatePair.Decision.SKIPPED


def test_an_unknown_decision_changes_nothing(manager_client: Client, merger: Merger):
    pair = review_pairs(merger)[0]
    response = manager_client.post(
        url("decide", merger, pair_id=pair.pk), {"decision": "peut-être"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    pair.refresh_from_db()
    assert pair.decision == CandidatePair.Decision.PENDING


def test_a_pair_of_another_merger_is_not_found(manager_client: Client, merger: Merger):
    other = Merger.objects.create(
        absorbing=merger.absorbing,
        absorbed=merger.absorbing,
        kind=Merger.Kind.DEDUPLICATION,
        effective_on=scenario.EFFECTIVE,
        status=Merger.Status.PLANNED,
    )
    stranger = CandidatePair.objects.create(
        merger=other,
        left_org_id=1,
        right_org_id=2,
        left_record_id="e1",
        right_record_id="e2",
        left_label="A",
        right_label="B",
        match_probability=0.5,
        match_weight=0.0,
        band=CandidatePair.Band.REVIEW,
    )
    response = manager_client.post(url("decide", merger, pair_id=stranger.pk), {"decision": "accepted"})
    assert response.status_code == 404
    assert manager_client.get(url("review", merger) + f"?paire={stranger.pk}").status_code == 404
    stranger.refresh_from_db()
    assert stranger.decision == CandidatePair.Decision.PENDING


def test_bulk_accept_above_a_threshold(manager_client: Client, merger: Merger, manager):
    pairs = review_pairs(merger)
    threshold = min(pair.match_probability for pair in pairs)
    response = manager_client.post(
        url("accept_above", merger), {"threshold": f"{int(threshold * 100)}"}, follow=True
    )
    expected = sum(1 for pair in pairs if pair.match_probability >= int(threshold * 100) / 100)
    page = response.content.decode()
    assert f"{expected} paire" in page and "acceptée" in page
    accepted = merger.pairs.filter(decision=CandidatePair.Decision.ACCEPTED)
    assert accepted.count() == expected
    assert all(pair.decided_by == manager for pair in accepted)


def test_bulk_accept_refuses_a_threshold_out_of_range(manager_client: Client, merger: Merger):
    response = manager_client.post(url("accept_above", merger), {"threshold": "20"}, follow=True)
    assert "Seuil invalide" in response.content.decode()
    assert not merger.pairs.filter(decision=CandidatePair.Decision.ACCEPTED).exists()


def test_decisions_export_as_csv(manager_client: Client, merger: Merger):
    pair = review_pairs(merger)[0]
    manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "accepted"})
    response = manager_client.get(url("decisions_csv", merger))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    # French Excel's format: a byte-order mark (or accents come out garbled) and ";" between cells.
    # Headers and values in the interface's language, not codes (« pair_id », « accepted »).
    assert response.content.startswith("\ufeffn° de paire;".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert any(line.startswith(f"{pair.pk};") and line.endswith(";même entreprise") for line in lines)
    assert not any("pending" in line or "accepted" in line for line in lines)


def test_decisions_exported_in_english_come_back_through_a_french_page(
    manager_client: Client, merger: Merger
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pair = review_pairs(merger)[0]
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    exported = manager_client.get(url("decisions_csv", merger)).content.decode("utf-8-sig")
    assert exported.startswith("pair no.;")
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    lines = exported.splitlines()
    edited = [lines[0]] + [
        line.rsplit(";", 1)[0] + ";same company" if line.startswith(f"{pair.pk};") else line
        for line in lines[1:]
    ]
    upload = SimpleUploadedFile(
        "decisions.csv", "\n".join(edited).encode("utf-8-sig"), content_type="text/csv"
    )
    response = manager_client.post(url("import_decisions", merger), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:500]
    pair.refresh_from_db()
    assert pair.decision == CandidatePair.Decision.ACCEPTED


def test_decisions_filled_in_a_spreadsheet_come_back_through_the_review_page(
    manager_client: Client, merger: Merger, manager
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pair = review_pairs(merger)[0]
    exported = manager_client.get(url("decisions_csv", merger)).content.decode("utf-8-sig")
    assert (
        'action="' + url("import_decisions", merger) + '"'
        in manager_client.get(url("review", merger)).content.decode()
    )
    filled = "\n".join(
        line.rsplit(";", 1)[0] + ";non" if line.startswith(f"{pair.pk};") else line
        for line in exported.splitlines()
    )

    response = manager_client.post(
        url("import_decisions", merger),
        {"file": SimpleUploadedFile("decisions.csv", filled.encode(), content_type="text/csv")},
        follow=True,
    )

    assert "1 décision importée" in response.content.decode()
    pair.refresh_from_db()
    assert pair.decision == CandidatePair.Decision.REJECTED and pair.decided_by == manager
    assert AuditEntry.objects.filter(merger=merger, action="import_decisions", user=manager).exists()


def test_a_decisions_file_with_a_bad_line_is_refused_whole_with_the_line_named(
    manager_client: Client, merger: Merger
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pair = review_pairs(merger)[0]
    bad = f"pair_id,decision\n{pair.pk},oui\n{pair.pk},peut-être\n"
    response = manager_client.post(
        url("import_decisions", merger),
        {"file": SimpleUploadedFile("decisions.csv", bad.encode(), content_type="text/csv")},
        follow=True,
    )
    page = response.content.decode()
    assert "peut-être" in page and "ligne 3" in page
    pair.refresh_from_db()
    assert pair.decision == CandidatePair.Decision.PENDING


# -- apply and undo ---------------------------------------------------------------------------------------------


def test_apply_asks_for_confirmation_first(manager_client: Client, merger: Merger):
    response = manager_client.get(url("apply", merger))
    assert response.status_code == 200
    assert "Je confirme" in response.content.decode()
    refused = manager_client.post(url("apply", merger), {"accept_auto_only": "on"})
    assert refused.status_code == 400
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED


def test_apply_is_refused_while_pairs_await_review(manager_client: Client, merger: Merger):
    response = manager_client.post(url("apply", merger), {"confirm": "on"})
    assert response.status_code == 400
    undecided = services.undecided_pairs(merger).count()
    pairs = "paire" if undecided == 1 else "paires"
    assert f"a encore {undecided} {pairs} à vérifier sans décision" in response.content.decode()
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED


def test_apply_is_refused_until_the_membership_types_are_confirmed(manager_client: Client, merger: Merger):
    for pair in review_pairs(merger):
        manager_client.post(url("decide", merger, pair_id=pair.pk), {"decision": "rejected"})
    detail = manager_client.get(url("detail", merger))
    assert detail.context["types_refusal"] is not None
    assert "Confirmez d'abord la correspondance des types d'adhésion." in detail.content.decode()
    page = manager_client.get(url("apply", merger)).content.decode()
    assert "n&#x27;est pas confirmée" in page and "Vérifier et confirmer la correspondance" in page
    before = registry_checksum()

    response = manager_client.post(url("apply", merger), {"confirm": "on"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "La fusion n'a pas été appliquée." in page
    assert f"La fusion n° {merger.pk} (Auvergne TIC → Numélink) ne peut pas être appliquée" in page
    assert "Rien n&#x27;a été modifié." in page
    merger.refresh_from_db()
    assert merger.status == Merger.Status.PLANNED and registry_checksum() == before

    confirm_types(manager_client, merger)
    assert manager_client.get(url("detail", merger)).context["types_refusal"] is None
    assert manager_client.post(url("apply", merger), {"confirm": "on"}).status_code == 302


def test_apply_keeping_only_the_sure_matches(manager_client: Client, merger: Merger):
    assert review_pairs(merger)
    confirm_types(manager_client, merger)
    response = manager_client.get(url("apply", merger) + "?sures=1")
    assert 'name="accept_auto_only"' in response.content.decode()
    response = manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    assert response.status_code == 302
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED


def test_undo_refused_for_changed_data_says_why_on_its_job_page(manager_client: Client, merger: Merger):
    """The checksum of every row apply changed takes minutes on a large merger: the POST queues undo at once and
    the job refuses it before restoring anything, its page giving the reason; nothing changes."""
    confirm_types(manager_client, merger)
    manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    organisation = Organisation.objects.filter(memberships__association=merger.absorbing).first()
    organisation.name = f"{organisation.name} (renommée)"
    organisation.save()
    before = registry_checksum()
    page = manager_client.get(url("undo", merger)).content.decode()
    assert "vérifie que les données modifiées par la fusion n'ont pas changé depuis" in page
    response = manager_client.post(url("undo", merger), {"confirm": "on"})
    assert response.status_code == 302
    page = manager_client.get(response["Location"]).content.decode()
    assert "pas été annulée." in page
    assert "ont changé depuis (Organisation)" in page and "corrigez plutôt le registre à la main" in page
    assert "Relancer l" in page and reverse("mergers:undo", args=[merger.pk]) in page
    merger.refresh_from_db()
    assert merger.status == Merger.Status.APPLIED and registry_checksum() == before


def test_the_refused_undo_explains_itself_in_english_when_english_is_chosen(
    manager_client: Client, merger: Merger
):
    confirm_types(manager_client, merger)
    manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    organisation = Organisation.objects.filter(memberships__association=merger.absorbing).first()
    organisation.name = f"{organisation.name} (renommée)"
    organisation.save()
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = manager_client.post(url("undo", merger), {"confirm": "on"})
    page = manager_client.get(response["Location"]).content.decode()
    assert f"Merger no. {merger.pk}" in page and "cannot be undone: data it changed has changed since" in page
    assert "ne peut pas être annulée" not in page


# -- report ---------------------------------------------------------------------------------------------------


def test_the_report_page_shows_counts_before_and_after(manager_client: Client, merger: Merger):
    confirm_types(manager_client, merger)
    manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    response = manager_client.get(url("report", merger))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rapport de fusion" in page
    assert url("report_csv", merger) in page and url("report_pdf", merger) in page
    assert "Par département" in page and "Journal" in page
    # Atelier Forézien was one organisation from the import on (same SIREN): a shared member all the same.
    assert "Recoupements : 2 membres communs" in page and "une seule organisation dès l'import" in page
    assert "Atelier Forézien" in page
    assert "1 doublon dans l'export de l'absorbée, fusionné" in page
    assert "nouveaux membres" in page and "Puy Data" in page


def test_a_deduplication_reads_as_the_registry_s_own_duplicates(manager_client: Client, world):
    """No absorbed export, no absorbing side, no new members: the plan's page, its report and the report's CSV
    give the registry's duplicates, not a merger's counts at zero."""
    from grappe.mergers.report import _labelled_counts

    dedup = services.plan_deduplication(association=world.auvergne_tic)
    assert dedup.summary["counts"]["internal_duplicates"] == 1
    page = manager_client.get(url("detail", dedup)).content.decode()
    assert "adhérents comparés entre eux" in page and "doublons sûrs" in page
    assert "apportés par l&#x27;absorbée" not in page and "doublons internes à l&#x27;absorbée" not in page
    assert "nouveaux membres" not in page
    counts = dict(_labelled_counts(merger_report(dedup).counts, dedup.kind))
    assert counts["Doublons sûrs"] == 1 and "Adhérents de l'absorbante" not in counts
    assert "absorber_members" not in counts and "sure_matches" not in counts


def test_the_report_downloads_as_csv_and_pdf(manager_client: Client, merger: Merger):
    csv_response = manager_client.get(url("report_csv", merger))
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert (
        f'filename="fusion-{merger.pk}-auvergne-tic-numelink-rapport.csv"'
        in csv_response["Content-Disposition"]
    )
    assert "une seule organisation dès l'import" in csv_response.getvalue().decode()

    pdf_response = manager_client.get(url("report_pdf", merger))
    assert pdf_response.status_code == 200
    assert pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response["Content-Disposition"] == (
        f'attachment; filename="fusion-{merger.pk}-auvergne-tic-numelink-rapport.pdf"'
    )
    assert pdf_response.getvalue().startswith(b"%PDF")


def test_the_report_downloads_read_in_english_when_english_is_chosen(manager_client: Client, merger: Merger):
    confirm_types(manager_client, merger)
    manager_client.post(url("apply", merger), {"confirm": "on", "accept_auto_only": "on"})
    manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    download = manager_client.get(url("report_csv", merger)).getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(download), delimiter=";"))
    assert ["section", "key", "before", "after"] in rows
    assert rows[0][0] == "merger" and any(row[:1] == ["members"] for row in rows)
    assert ["overlaps", "brought in", "matched with", "probability", "decision"] in rows
    assert not any("adhérents" in cell or "recoupements" in cell for row in rows for cell in row)
    page = manager_client.get(url("report", merger)).content.decode()
    assert "By département" in page and "Par département" not in page
    with translation.override("en"):
        html = report_html(merger_report(merger))
    assert '<html lang="en">' in html and f"Merger report no. {merger.pk}" in html
    assert "Annex A — Overlaps" in html and "Recoupements" not in html
