"""The collector's threshold during an import: raised while it runs, given back after, even on failure."""

from __future__ import annotations

import gc
import threading

import pytest

from grappe.intake import services
from grappe.intake.collection import YOUNG_THRESHOLD, fewer_collections
from grappe.intake.services import import_file

from .conftest import member_row


@pytest.fixture
def default_threshold():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*before)


def test_nested_and_concurrent_blocks_give_the_threshold_back_once_the_last_leaves(default_threshold):
    inside = threading.Event()
    leave = threading.Event()

    def other_import() -> None:
        with fewer_collections():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_import)
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        thread.start()
        assert inside.wait(5)
        with fewer_collections():
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    # The other thread's import still runs: the threshold stays raised for it.
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    leave.set()
    thread.join(5)
    assert gc.get_threshold() == default_threshold


@pytest.mark.django_db
def test_a_failing_import_gives_the_threshold_back(default_threshold, association, write_csv, monkeypatch):
    seen = []

    def failing_insert_lineage(rows):
        seen.append(gc.get_threshold()[0])
        raise RuntimeError("connection lost")

    monkeypatch.setattr(services, "_insert_lineage", failing_insert_lineage)
    with pytest.raises(RuntimeError):
        import_file(path=write_csv([member_row(1)]), association=association)

    assert seen == [YOUNG_THRESHOLD]
    assert gc.get_threshold() == default_threshold
