"""``grappe import`` answers the import's questions as flags (issue 10): --start-date (AAAA-MM-JJ or
« inconnue »), --status and --membership-type, checked by the service the web's answers go through. A question
left open stops the command naming its flag; a bad value is refused naming its flag; nothing is written."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from grappe import cli
from grappe.core.audit import AuditEvent
from grappe.intake import questions
from grappe.registry.models import Association, Membership, MembershipType

from .conftest import HEADERS, member_row

pytestmark = pytest.mark.django_db

BARE = [h for h in HEADERS if h not in {"Date d'adhésion", "Statut"}]


def bare_row(n: int) -> list[str]:
    full = dict(zip(HEADERS, member_row(n), strict=True))
    return [full[header] for header in BARE]


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


@pytest.fixture
def bare_file(write_csv):
    return write_csv([bare_row(1), bare_row(2)], headers=BARE)


def run(runner: CliRunner, *args: object):
    result = runner.invoke(cli.app, ["import", *map(str, args)])
    result.text = " ".join(result.output.split())
    return result


def test_the_answers_given_as_flags_fill_the_new_memberships(runner, association, bare_file):
    kind = MembershipType.objects.create(association=association, name="Entreprise")

    result = run(
        runner, bare_file, "-a", "Auvergne TIC", "--start-date", "2024-09-01", "--status", "en attente",
        "--membership-type", "entreprise",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    memberships = Membership.objects.filter(association=association)
    assert set(memberships.values_list("starts_on", "status", "membership_type")) == {
        (datetime.date(2024, 9, 1), "pending", kind.pk)
    }
    details = AuditEvent.objects.get(action="import").details
    assert details["answered_status"] == "en attente" and details["answered_membership_type"] == "Entreprise"


def test_an_unknown_date_is_stored_as_no_date(runner, association, bare_file):
    result = run(runner, bare_file, "-a", "Auvergne TIC", "--start-date", "Inconnue", "--status", "unknown")

    assert result.exit_code == 0, result.output
    assert set(Membership.objects.values_list("starts_on", "status")) == {(None, "unknown")}


@pytest.mark.parametrize(
    ("flags", "named", "not_named"),
    [
        ([], ["--start-date AAAA-MM-JJ, ou --start-date inconnue", "--status (active (à jour)"], []),
        (["--status", "active"], ["--start-date"], ["--status ("]),
        (["--start-date", "inconnue"], ["--status (active"], ["--start-date AAAA"]),
    ],
)
def test_a_question_left_open_stops_naming_its_flag_and_writes_nothing(
    runner, association, bare_file, counts, flags, named, not_named
):
    before = counts()

    result = run(runner, bare_file, "-a", "Auvergne TIC", *flags)

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Le fichier a des questions sans réponse" in result.text and "Rien n'a été écrit." in result.text
    for flag in named:
        assert flag in result.text
    for flag in not_named:
        assert flag not in result.text
    assert counts() == before


def test_the_type_is_asked_only_when_the_association_has_types(runner, association, bare_file, counts):
    MembershipType.objects.create(association=association, name="Entreprise")
    before = counts()

    result = run(runner, bare_file, "-a", "Auvergne TIC", "--start-date", "inconnue", "--status", "active")

    assert result.exit_code == 2
    assert "--membership-type (« Entreprise »)" in result.text and "--start-date" not in result.text
    assert counts() == before


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--start-date", "31/12/2020"],
            "--start-date « 31/12/2020 » : une date AAAA-MM-JJ (ex. 2016-03-31)",
        ),
        (["--start-date", "2020-02-30"], "--start-date « 2020-02-30 » : une date AAAA-MM-JJ"),
        (["--start-date", "hier"], "--start-date « hier » : une date AAAA-MM-JJ"),
        (["--start-date", "20200101"], "--start-date « 20200101 » : une date AAAA-MM-JJ"),
        (
            ["--status", "radié"],
            "--status « radié » : statut inconnu ; active (à jour), pending (en attente)",
        ),
        (["--status", "ended"], "--status « ended » : statut inconnu"),
        (
            ["--membership-type", "Premium"],
            "--membership-type « Premium » : « Auvergne TIC » n'a pas ce type",
        ),
    ],
)
def test_a_bad_value_is_refused_naming_its_flag_and_writes_nothing(
    runner, association, bare_file, counts, flags, message
):
    MembershipType.objects.create(association=association, name="Entreprise")
    answered = {"--start-date": "inconnue", "--status": "active", "--membership-type": "Entreprise"}
    answered.update(dict(zip(flags[::2], flags[1::2], strict=True)))
    before = counts()

    result = run(runner, bare_file, "-a", "Auvergne TIC", *[x for pair in answered.items() for x in pair])

    assert result.exit_code == 2 and "Traceback" not in result.output
    assert message in result.text and "Rien n'a été écrit." in result.text
    assert counts() == before


def test_a_type_asked_of_an_association_without_types_is_refused(runner, association, bare_file, counts):
    before = counts()

    result = run(runner, bare_file, "-a", "Auvergne TIC", "--membership-type", "Entreprise")

    assert result.exit_code == 2
    assert "« Auvergne TIC » n'a aucun type d'adhésion à donner." in result.text
    assert counts() == before


def test_a_future_date_is_refused_by_the_web_s_check(runner, association, bare_file, counts):
    before = counts()
    ahead = (datetime.date.today() + datetime.timedelta(days=40)).isoformat()

    result = run(runner, bare_file, "-a", "Auvergne TIC", "--start-date", ahead, "--status", "active")

    assert result.exit_code == 2 and "est dans le futur" in result.text
    assert counts() == before


def test_a_file_with_its_columns_needs_no_flag_and_its_cells_win(runner, association, write_csv):
    result = run(runner, write_csv([member_row(1)]), "-a", "Auvergne TIC", "--status", "pending")

    assert result.exit_code == 0, result.output
    assert Membership.objects.get().status == "active"  # the row's « à jour » wins


def test_a_dry_run_lists_the_open_questions_without_stopping(runner, association, bare_file, counts):
    before = counts()

    result = run(runner, bare_file, "-a", "Auvergne TIC", "--dry-run")

    assert result.exit_code == 0, result.output
    assert (
        "Rien n'a été écrit." in result.text and "Pour l'import : Le fichier a des questions" in result.text
    )
    assert counts() == before


@given(st.text(max_size=12))
def test_any_start_date_text_is_read_or_refused_by_its_flag(text: str) -> None:
    association = Association(name="Auvergne TIC")
    try:
        answers = questions.read_flags(
            association=association, starts_on=text, status=None, membership_type=None
        )
    except questions.AnswerRefused as error:
        assert str(error).startswith("--start-date « ")
    else:
        assert answers.starts_unknown or answers.starts_on == datetime.date.fromisoformat(text.strip())
