"""Fixtures of the registry's tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.test import Client


@pytest.fixture
def editor_client() -> Callable[[AbstractBaseUser], Client]:
    """Logs a staff user in once given the right to edit organisations: the editing pages, the bulk actions that
    change rows and the tag pages ask for that right on top of the user's territories."""

    def logged_in(user: AbstractBaseUser) -> Client:
        user.user_permissions.add(
            Permission.objects.get(codename="change_organisation", content_type__app_label="registry")
        )
        client = Client()
        client.force_login(user)
        return client

    return logged_in
