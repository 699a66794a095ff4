"""The cast of the merger pages' tests: the network's director, who holds the merger right."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from . import scenario


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user(
        "direction", first_name="Sophie", last_name="Bernard", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers")
    )
    return user


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def world(tmp_path):
    """Numélink and Auvergne TIC imported through the intake (``scenario.py``)."""
    return scenario.build(tmp_path)


@pytest.fixture
def merger(world, manager):
    """Auvergne TIC planned into Numélink, as the director would from the plan page."""
    from grappe.mergers import services

    return services.plan_merger(
        absorbing=world.numelink,
        absorbed=world.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        keep_name_as_brand=True,
        user=manager,
    )
