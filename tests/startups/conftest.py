"""A small pipeline on the shared registry: projects in Drôme-Ardèche (the Valence antenna's territory) and in
Auvergne, a French Tech label and an accelerator."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from grappe.registry.models import StaffMember
from grappe.startups import services
from grappe.startups.models import Programme, StartupProject

START = datetime.date(2026, 1, 5)


@dataclass
class Pipeline:
    label: Programme
    bivouac: Programme
    referent: StaffMember
    drome: StartupProject  # Drôme-Ardèche, sourced, referent with an e-mail
    auvergne: StartupProject  # Auvergne, qualified


@pytest.fixture
def pipeline(registry, hq_user) -> Pipeline:
    referent = StaffMember.objects.create(
        association=registry.numelink,
        office=registry.valence,
        first_name="Inès",
        last_name="Garnier",
        email="ines.garnier@numelink.fr",
    )
    label = Programme.objects.create(name="French Tech Tremplin", kind=Programme.Kind.LABEL)
    bivouac = Programme.objects.create(name="Le Bivouac", kind=Programme.Kind.ACCELERATOR)
    drome = services.create_project(
        user=hq_user, name="Drômoise Robotique", territory=registry.drome_ardeche, referent=referent, on=START
    )
    auvergne = services.create_project(user=hq_user, name="Volcan IA", territory=registry.auvergne, on=START)
    services.move_project(project=auvergne, stage="qualified", user=hq_user, on=datetime.date(2026, 2, 1))
    auvergne.refresh_from_db()
    return Pipeline(label=label, bivouac=bivouac, referent=referent, drome=drome, auvergne=auvergne)
