"""Web hardening (issue 13): CSP without inline code, login throttling, private pages, demo accounts."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grappe.core.templatetags.core_tags import width_class
from grappe.demo.accounts import DEMO_PASSWORD
from grappe.demo.checks import demo_accounts

SRC = Path(__file__).resolve().parents[2] / "src" / "grappe"
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "<script> without src"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
    (re.compile(r"hx-on|hx-trigger=\"[^\"]*\["), "htmx code to evaluate"),
]


def test_no_template_holds_inline_script_or_style() -> None:
    templates = sorted(SRC.glob("**/templates/**/*.html"))
    assert len(templates) > 30
    found = [
        f"{path.relative_to(SRC)}:{text[: match.start()].count(chr(10)) + 1}: {what}"
        for path in templates
        for text in [path.read_text(encoding="utf-8")]
        for pattern, what in INLINE
        for match in pattern.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "w-0"), (37.4, "w-37"), ("99.6", "w-100"), (140, "w-100"), (-3, "w-0"), ("", "w-0"), (None, "w-0")],
)
def test_a_bar_width_is_a_class_clamped_to_0_100(value: object, expected: str) -> None:
    assert width_class(value) == expected


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(hq_client: Client) -> None:
    policy = hq_client.get(reverse("registry:home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


@pytest.mark.django_db
def test_a_logged_in_users_pages_are_private_and_not_stored(hq_client: Client) -> None:
    for url in [reverse("registry:home"), reverse("registry:organisation_list")]:
        response = hq_client.get(url)
        assert response.status_code == 200
        cache = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache and "public" not in cache
        assert "Cookie" in response["Vary"]


@pytest.mark.django_db
def test_anonymous_static_like_answers_are_left_alone(client: Client) -> None:
    response = client.get(reverse("registry:home"))  # redirect to the login page
    assert response.status_code == 302 and "private" not in response.get("Cache-Control", "")


def _login(client: Client, password: str) -> object:
    return client.post(
        reverse("login"), {"username": "direction", "password": password}, REMOTE_ADDR="203.0.113.7"
    )


@pytest.mark.django_db
def test_login_is_throttled_after_the_failure_limit_even_for_the_right_password(
    client: Client, hq_user: AbstractBaseUser, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    hq_user.set_password("le-bon-mot-de-passe")
    hq_user.save()
    for _attempt in range(2):
        assert _login(client, "mauvais").status_code == 200  # the form again, with its error
    locked = _login(client, "mauvais")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Trop de tentatives de connexion" in page
    assert "Réessayez dans 15 minutes" in page and "même le bon mot de passe est refusé" in page
    refused = _login(client, "le-bon-mot-de-passe")
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # Another address is not locked out: the lock is for this user name from this address.
    other = client.post(
        reverse("login"),
        {"username": "direction", "password": "le-bon-mot-de-passe"},
        REMOTE_ADDR="198.51.100.2",
    )
    assert other.status_code == 302
    client.logout()
    # After the cool-off the right password opens again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _login(client, "le-bon-mot-de-passe").status_code == 302


@pytest.mark.django_db
def test_a_success_below_the_limit_forgets_the_failures(
    client: Client, hq_user: AbstractBaseUser, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    hq_user.set_password("le-bon-mot-de-passe")
    hq_user.save()
    _login(client, "mauvais")
    _login(client, "mauvais")
    assert _login(client, "le-bon-mot-de-passe").status_code == 302
    client.logout()
    _login(client, "mauvais")
    assert _login(client, "mauvais").status_code == 200


@pytest.mark.django_db
def test_check_deploy_reports_the_demo_accounts_with_their_public_password(django_user_model) -> None:
    director = django_user_model.objects.create_superuser("direction", "direction@example.org", DEMO_PASSWORD)
    django_user_model.objects.create_user("clermont", "c@example.org", "un-autre-mot-de-passe")
    [error] = demo_accounts()
    assert (
        error.id == "demo.E001"
        and "« direction »" in error.msg
        and "grappe manage createsuperuser" in error.hint
    )
    with pytest.raises(SystemCheckError, match=r"demo\.E001"):
        call_command("check", deploy=True)
    call_command("check")  # outside production, only --deploy looks: the demo keeps working
    director.set_password("changé-après-la-démo")
    director.save()
    assert demo_accounts() == []
