"""A large import on the task queue as production runs it: the page shows it waiting, then the worker runs it;
and a worker killed (SIGKILL) in the middle of the import's transaction leaves the registry unchanged and the
job ready to be started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.urls import reverse

from grappe.intake import selectors, services
from grappe.intake.models import ImportJob
from grappe.registry.models import Organisation

from .conftest import member_row
from .test_views import mapping_post, upload

TESTS_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def staff_client(client, importer):
    client.force_login(importer)
    return client


@pytest.mark.django_db(transaction=True)  # the worker loop runs outside a test's transaction
def test_a_large_import_waits_in_the_queue_then_the_worker_runs_it(
    staff_client, association, write_csv, settings, database_queue
):
    settings.GRAPPE_INTAKE_SYNC_MAX_BYTES = 0  # every file counts as large
    upload(staff_client, association, write_csv([member_row(n) for n in range(1, 6)]))
    job = ImportJob.objects.get()

    response = staff_client.post(reverse("intake:mapping", args=[job.pk]), mapping_post(job))

    assert response["Location"] == reverse("intake:job", args=[job.pk])
    page = staff_client.get(reverse("intake:job", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("intake:progress", args=[job.pk])}"' in page  # waiting counts as running
    with pytest.raises(services.UserError, match="déjà en cours"):
        services.start_job_step(job=job, step="validate")

    database_queue()
    job.refresh_from_db()
    assert job.status == "validated" and job.row_count == 5
    assert staff_client.get(reverse("intake:progress", args=[job.pk]))["HX-Refresh"] == "true"

    staff_client.post(reverse("intake:run", args=[job.pk]))
    assert selectors.job_progress(job)["stage"] == "import" and Organisation.objects.count() == 0
    database_queue()
    job.refresh_from_db()
    assert job.status == "imported" and Organisation.objects.count() == 5


_SETUP = """
import os, sys, time
sys.path.insert(0, {tests!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "grappe.settings"
import django
django.setup()
from grappe.intake import services, selectors
from grappe.intake.models import ImportJob
from grappe.mergers.snapshot import registry_checksum
"""

# In the worker: once the import has written every row (its transaction still open), say so and hang.
_HANG_WHEN_WRITTEN = """
original = services.write_table
def write_then_hang(**kwargs):
    report = kwargs["progress"]
    def progress(stage, done, total):
        report(stage, done, total)
        if stage == "import" and total and done == total:
            open({marker!r}, "w").close()
            time.sleep(600)
    return original(**{{**kwargs, "progress": progress}})
services.write_table = write_then_hang
"""


def _script(body: str, **values: object) -> str:
    return _SETUP.format(tests=str(TESTS_DIR)) + textwrap.dedent(body).format(**values)


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRAPPE_DATA_DIR": str(tmp_path / "data"),
        "GRAPPE_INTAKE_SYNC_MAX_BYTES": "0",
        "GRAPPE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }


def _run(tmp_path: Path, database_url: str, body: str, **values: object) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _script(body, **values)],
        env=_env(tmp_path, database_url),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")[-2]


def test_a_worker_killed_in_the_middle_of_an_import_changes_nothing_and_the_job_runs_again(
    tmp_path, shared_database, write_csv
):
    export = write_csv([member_row(n) for n in range(1, 41)])
    prepared = _run(
        tmp_path,
        shared_database,
        """
        from django.core.files.uploadedfile import SimpleUploadedFile
        from grappe.registry.models import Association
        association = Association.objects.create(name="Auvergne TIC")
        upload = SimpleUploadedFile("membres.csv", open({export!r}, "rb").read())
        job = services.create_import_job(association=association, upload=upload)
        services.validate_import_job(job=job)
        assert services.start_job_step(job=job, step="import")  # queued: no worker yet
        print(job.pk, registry_checksum())
        """,
        export=str(export),
    )
    job_id, before = prepared.split()

    marker = tmp_path / "written"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _script(
                _HANG_WHEN_WRITTEN + "from grappe.jobs.worker import run_worker\nrun_worker(verbosity=0)\n",
                marker=str(marker),
            ),
        ],
        env=_env(tmp_path, shared_database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never reached the end of the import"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGKILL)  # mid-transaction: every row written, none committed
        worker.wait()

    after = _run(
        tmp_path,
        shared_database,
        """
        job = ImportJob.objects.get(pk={job_id})
        print(job.status, bool(selectors.job_progress(job)), registry_checksum())
        """,
        job_id=job_id,
    )
    assert after.split() == ["importing", "False", before]  # interrupted, nothing written, not busy

    rerun = _run(
        tmp_path,
        shared_database,
        """
        from grappe.jobs.worker import run_worker
        from grappe.registry.models import Organisation
        from django_tasks_db.models import DBTaskResult
        job = ImportJob.objects.get(pk={job_id})
        assert services.start_job_step(job=job, step="import")  # started again from its page
        run_worker(batch=True, verbosity=0)
        job.refresh_from_db()
        tasks = sorted(DBTaskResult.objects.values_list("status", flat=True).filter(
            task_path="grappe.jobs.queue.run_step"))
        print(job.status, Organisation.objects.count(), ",".join(tasks))
        """,
        job_id=job_id,
    )
    # The killed worker's task is marked failed when a worker starts again; the new one ran the import.
    assert rerun.split() == ["imported", "40", "FAILED,SUCCESSFUL"]
