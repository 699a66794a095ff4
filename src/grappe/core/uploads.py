"""Files people hand over (a registry export to import, a merger's export, a spreadsheet of decisions): one rule
for their size, and one way to keep them, so that a file the platform cannot read is never left behind.

Every flow that takes a file goes through here: the intake's import jobs, a merger's plan jobs, the review's
decisions brought back from a spreadsheet. The column mapping of an export is the intake's
(``grappe.intake.mapping``), shared the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from grappe.errors import UserError

T = TypeVar("T")


def check_upload_size(upload: UploadedFile) -> None:
    """Refuse a file above ``GRAPPE_MAX_UPLOAD_BYTES`` before reading any of it."""
    if upload.size and upload.size > settings.GRAPPE_MAX_UPLOAD_BYTES:
        raise UserError(
            _("Le fichier « %(name)s » dépasse la taille maximale de %(limit)s Mo.")
            % {"name": upload.name, "limit": settings.GRAPPE_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body exceeds the upload limit, before Django reads any of it.

    Django writes a file upload to a temporary file as it arrives and only then lets a view look at its size:
    a 1 GB POST would fill the disk first. The Content-Length is known up front; Django never reads past it,
    so checking it bounds what lands on disk."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django answers a malformed length itself
        limit = settings.GRAPPE_MAX_UPLOAD_BYTES + settings.GRAPPE_MAX_REQUEST_OVERHEAD_BYTES
        if length > limit:
            response = render(
                request,
                "413.html",
                {"limit": settings.GRAPPE_MAX_UPLOAD_BYTES},
                status=413,
            )
            # No "Connection: close" here: WSGI forbids an application's hop-by-hop headers (wsgiref, so
            # runserver, refused the whole response and the browser never saw this page). Connections are the
            # server's business: runserver closes after a response without a length, granian drops the header.
            return response
        return self.get_response(request)


def upload_name(upload: UploadedFile, default: str) -> str:
    """The file's own name, without any folder a browser sent, cut to what the models keep."""
    return Path(upload.name or default).name[:255]


def keep_upload(field: FieldFile, upload: UploadedFile, name: str, read: Callable[[Path], T]) -> T:
    """Store ``upload`` in ``field`` and ``read`` it; a file that cannot be read (any error) is deleted
    again, so a refused upload leaves nothing on disk."""
    field.save(name, upload, save=False)
    try:
        return read(Path(field.path))
    except Exception:
        field.delete(save=False)
        raise


@contextmanager
def upload_on_disk(upload: UploadedFile, *, prefix: str = "grappe-upload-") -> Iterator[Path]:
    """The upload written to a temporary folder of its own, for a reader that takes a path; the folder and the
    file are removed when the block ends, however it ends, so a file read once is never left behind."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(folder) / Path(upload.name or "fichier").name
        with path.open("wb") as stream:
            for chunk in upload.chunks():
                stream.write(chunk)
        yield path
