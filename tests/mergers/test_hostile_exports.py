"""A merger's export is read by the same guarded readers as an import: a hostile workbook is refused with a
located message, the page answers, and nothing is kept."""

from __future__ import annotations

import time

import pytest

from grappe.mergers.models import Merger, PlanJob
from intake.hostile import HEADER, MEMBER, far_cell_xlsx, ods_row, write_ods

from .test_planning import ask_for_plan, media_root, world  # noqa: F401 (fixtures: the plan's folder and registries)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["far-cell", "repeated-row"])
def test_a_hostile_export_is_refused_and_not_kept(
    manager_client,
    world,  # noqa: F811
    tmp_path,
    media_root,  # noqa: F811
    kind,
):
    if kind == "far-cell":
        export, words = (
            far_cell_xlsx(tmp_path / "export.xlsx", "XFD1048576", dimension=None),
            "1\u202f048\u202f576",
        )
    else:
        rows = ods_row(HEADER) + ods_row(MEMBER, repeat=200_000)
        export, words = write_ods(tmp_path / "export.ods", rows), "répétée 200\u202f000 fois"

    started = time.perf_counter()
    response = ask_for_plan(manager_client, world, export)

    assert time.perf_counter() - started < 10
    assert response.status_code == 400
    page = response.content.decode()
    assert "La fusion n'a pas pu être préparée." in page and export.name in page and words in page
    assert not PlanJob.objects.exists() and not Merger.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
