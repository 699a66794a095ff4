"""The cast of the merger pages' tests: the network's director, who holds the merger right.

``world``, ``manager`` and ``merger`` are built for each test. A module whose tests all run in their own
transaction (no ``transaction=True``) can take them from ``plan_built_once`` instead: the two imports and the plan
(about a second) are then made once for the module, inside an outer transaction that each test's nests in as a
savepoint, and rolled back when the module is done (as ``tests/demo/loading.py`` does for the demo story).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db import transaction
from django.test import Client

from grappe.mergers.models import Merger
from grappe.registry.models import Association

from . import scenario


def _director(user_model) -> AbstractBaseUser:
    user = user_model.objects.create_user(
        "direction", first_name="Sophie", last_name="Bernard", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(codename="manage_merger", content_type__app_label="mergers")
    )
    return user


def _plan(world: scenario.Scenario, manager: AbstractBaseUser) -> Merger:
    """Auvergne TIC planned into Numélink, as the director would from the plan page."""
    from grappe.mergers import services

    return services.plan_merger(
        absorbing=world.numelink,
        absorbed=world.auvergne_tic,
        effective_on=scenario.EFFECTIVE,
        keep_name_as_brand=True,
        user=manager,
    )


@pytest.fixture
def manager(django_user_model):
    return _director(django_user_model)


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
    return _plan(world, manager)


@dataclass(frozen=True)
class PlanBuiltOnce:
    """The module's world, read again from the database by each test: what a test changed in memory or in its
    savepoint never reaches the next one."""

    numelink_id: int
    auvergne_tic_id: int
    auvergne_export: Path
    manager_id: int
    merger_id: int

    def world(self) -> scenario.Scenario:
        return scenario.Scenario(
            numelink=Association.objects.get(pk=self.numelink_id),
            auvergne_tic=Association.objects.get(pk=self.auvergne_tic_id),
            auvergne_export=self.auvergne_export,
        )

    def manager(self) -> AbstractBaseUser:
        return get_user_model().objects.get(pk=self.manager_id)

    def merger(self) -> Merger:
        return Merger.objects.get(pk=self.merger_id)


@pytest.fixture(scope="module")
def _plan_for_the_module(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[PlanBuiltOnce]:
    with django_db_blocker.unblock(), transaction.atomic():
        manager = _director(get_user_model())
        world = scenario.build(tmp_path_factory.mktemp("world"))
        merger = _plan(world, manager)
        yield PlanBuiltOnce(
            world.numelink.pk, world.auvergne_tic.pk, world.auvergne_export, manager.pk, merger.pk
        )
        transaction.set_rollback(True)


@pytest.fixture
def plan_built_once(_plan_for_the_module: PlanBuiltOnce, db) -> PlanBuiltOnce:
    return _plan_for_the_module
