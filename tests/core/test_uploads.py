"""Files people hand over: one size rule, and a file the platform cannot read is never left on disk, whichever
flow took it (an import job, a merger's plan)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grappe.core.uploads import check_upload_size, keep_upload, upload_name, upload_on_disk
from grappe.errors import UserError
from grappe.intake import mapping as mapping_rules


def test_a_file_over_the_limit_is_refused_before_reading(settings) -> None:
    settings.GRAPPE_MAX_UPLOAD_BYTES = 10
    with pytest.raises(UserError, match="dépasse la taille maximale"):
        check_upload_size(SimpleUploadedFile("gros.csv", b"x" * 11))
    check_upload_size(SimpleUploadedFile("petit.csv", b"x" * 10))


def test_a_browsers_folder_is_dropped_from_the_name() -> None:
    assert upload_name(SimpleUploadedFile("C:/Users/moi/export.csv", b""), "fichier") == "export.csv"
    assert len(upload_name(SimpleUploadedFile("x" * 300 + ".csv", b""), "fichier")) <= 255


@pytest.mark.django_db
def test_an_unreadable_upload_is_deleted_and_a_readable_one_kept(tmp_path, settings) -> None:
    from grappe.intake.models import ImportJob

    settings.MEDIA_ROOT = str(tmp_path)
    job = ImportJob()

    def refuse(path: Path) -> None:
        assert path.exists()
        raise UserError("illisible")

    with pytest.raises(UserError):
        keep_upload(job.file, SimpleUploadedFile("export.csv", b"a;b\n"), "export.csv", refuse)
    assert not any(tmp_path.rglob("export*.csv"))
    size = keep_upload(
        job.file, SimpleUploadedFile("export.csv", b"a;b\n"), "export.csv", lambda p: p.stat().st_size
    )
    assert size == 4
    assert Path(job.file.path).exists()


def test_an_upload_on_disk_for_a_reader_that_takes_a_path_is_removed_after_the_block() -> None:
    with upload_on_disk(SimpleUploadedFile("C:/moi/decisions.csv", b"id;decision\n")) as path:
        assert path.name == "decisions.csv" and path.read_bytes() == b"id;decision\n"
    assert not path.parent.exists()


def test_an_upload_on_disk_is_removed_when_the_reader_refuses_it() -> None:
    with pytest.raises(UserError), upload_on_disk(SimpleUploadedFile("releve.csv", b"x")) as path:
        raise UserError("illisible")
    assert not path.parent.exists()


def test_a_mapping_missing_a_required_field_or_leaving_a_named_column_out_needs_a_person() -> None:
    headers = ("Raison sociale", "Ville", "Commentaire")
    assert mapping_rules.needs_review(headers=headers, mapping={1: "city"})
    assert mapping_rules.needs_review(headers=headers, mapping={0: "name", 1: "city"})
    assert mapping_rules.as_json({1: "city", 0: "name"}) == {"0": "name", "1": "city"}
