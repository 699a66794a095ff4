"""The demo story as ``grappe demo`` loads it (the demo plays the reviewer on every review queue), loaded once for
every module of this folder and rolled back after the last one (``../loading.py``): the story's figures, its
governance and its start-up chapter read the same load. A load of another kind (``review=False``,
``../test_linkage_quality.py``) stays outside this folder, since the story loads once per database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grappe.demo import loader

from ..loading import story_loaded


@pytest.fixture(scope="package")
def story(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[loader.DemoReport]:
    with story_loaded(django_db_blocker, tmp_path_factory.mktemp("story")) as loaded:
        yield loaded
