"""The demo story loaded once per test module, then rolled back.

A load runs the importer and four linkage plans (about ten seconds): the tests of a module share one, inside an
outer transaction that every test's own transaction nests in (as a savepoint), and that is rolled back when the
module is done, so that no other test sees the story.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import transaction

from grappe.demo import loader


@contextmanager
def story_loaded(django_db_blocker, directory: Path, **options: object) -> Iterator[loader.DemoReport]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield loader.load_story(directory=directory, **options)
        transaction.set_rollback(True)
