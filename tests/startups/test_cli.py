"""``grappe startups remind``: sends each reminder once, says how many, refuses a bad date by name."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from typer.testing import CliRunner

from grappe import cli
from grappe.startups import services

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    cli._register_commands()
    return CliRunner()


def test_remind_sends_once_then_nothing_more(pipeline, hq_user, runner, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )

    first = runner.invoke(cli.app, ["startups", "remind", "--date", "2026-04-01"])
    again = runner.invoke(cli.app, ["startups", "remind", "--date", "2026-04-02"])

    assert first.exit_code == 0, first.output
    assert "1 relance(s) envoyée(s), 0 déjà envoyée(s)" in " ".join(first.output.split())
    assert "0 relance(s) envoyée(s), 1 déjà envoyée(s)" in " ".join(again.output.split())
    assert len(mail.outbox) == 1


def test_remind_refuses_a_date_it_cannot_read(runner, db) -> None:
    result = runner.invoke(cli.app, ["startups", "remind", "--date", "11/04/2026"])
    assert result.exit_code == 2
    assert "n'est pas une date AAAA-MM-JJ" in " ".join(result.output.split())


def test_remind_says_when_the_mail_server_cannot_be_reached(pipeline, hq_user, runner, monkeypatch) -> None:
    services.save_application(
        user=hq_user, project=pipeline.drome, programme=pipeline.label, due_on=datetime.date(2026, 4, 11)
    )

    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(services, "send_mail", unreachable)
    result = runner.invoke(cli.app, ["startups", "remind", "--date", "2026-04-01"])

    output = " ".join(result.output.split())
    assert result.exit_code != 0 and not isinstance(result.exception, ConnectionRefusedError), output
    assert "Traceback" not in output
    assert "serveur d'e-mail" in output and "Connection refused" in output


def test_remind_refuses_a_negative_number_of_days(pipeline, runner) -> None:
    result = runner.invoke(cli.app, ["startups", "remind", "--days", "-1"])
    assert result.exit_code == 2
    assert "--days" in result.output and "positif ou nul" in " ".join(result.output.split())
    assert len(mail.outbox) == 0
