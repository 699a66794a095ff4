"""The site's addresses plus one whose view meets a database busy with another write, as a request waiting on
SQLite's write lock past the busy timeout does: the browser tests render the 503 page through the real
middleware (``grappe.middleware.DatabaseBusyMiddleware``)."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from grappe.urls import urlpatterns as site


def busy(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


urlpatterns = [path("occupee/", busy), *site]

handler500 = "grappe.middleware.server_error"
