"""French first: the interface speaks French unless the user chose another language with the switcher; and a
database busy with another write answers « réessayez dans un instant » (503), not an error page."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.views import defaults

from grappe.core import dberrors

logger = logging.getLogger(__name__)


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language header is not consulted.

    The staff of a French network share screens, exports and screenshots; a page that switches to English
    because a laptop was bought abroad would surprise them. English is one click away in the header, and the
    choice is remembered in the language cookie.
    """

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseBusyMiddleware:
    """A request that waited on another write's lock longer than the busy timeout gets a French 503 page with
    ``Retry-After``, not a 500: nothing is wrong but the moment (an import or a merger writing). Other database
    errors stay errors (logged, 500). Errors raised by a later middleware (the session saved on the way out)
    never reach ``process_exception``: ``server_error`` below catches those."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if dberrors.classify(exception) is dberrors.Kind.BUSY:
            logger.warning("database busy on %s %s: %s", request.method, request.path, exception)
            return database_busy(request)
        return None


def database_busy(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "503.html",
        {"retry_after": settings.GRAPPE_RETRY_AFTER},
        status=503,
    )
    response["Retry-After"] = str(settings.GRAPPE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it while handling the exception, so a busy database met outside a view
    still gets the 503 page; anything else gets the plain 500 page."""
    _type, error, _traceback = sys.exc_info()
    if error is not None and dberrors.classify(error) is dberrors.Kind.BUSY:
        return database_busy(request)
    return defaults.server_error(request)
