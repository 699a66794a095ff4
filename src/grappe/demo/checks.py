"""A server must not keep the demonstration's accounts: their password is printed in the README."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core import checks
from django.db import DatabaseError

from grappe.demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES


def demo_accounts(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An error for each demonstration account that still opens with the public password."""
    try:
        candidates = list(
            get_user_model()
            .objects.filter(username__in=DEMO_USERNAMES, is_active=True)
            .values_list("username", "password")
        )
    except DatabaseError:
        return []  # No users table yet (before `grappe migrate`): no account at all.
    # hashers.check_password, not User.check_password: a check must not write (the latter upgrades hashes).
    found = sorted(name for name, encoded in candidates if check_password(DEMO_PASSWORD, encoded))
    return [
        checks.Error(
            f"Le compte de démonstration « {name} » existe avec le mot de passe public « {DEMO_PASSWORD} » : "
            "n'importe qui peut se connecter avec.",
            hint=(
                "Une base de production ne doit pas contenir la démo : repartez d'une base vide (grappe migrate, "
                "puis grappe manage createsuperuser), ou supprimez ce compte dans l'administration (Utilisateurs)."
            ),
            id="demo.E001",
        )
        for name in found
    ]


def register(*, production: bool) -> None:
    """In production the check runs with every command (so `grappe serve` refuses to start); elsewhere only
    with ``check --deploy``, since the demo's accounts are the point of a laptop demo."""
    checks.register(demo_accounts, checks.Tags.security, deploy=not production)
