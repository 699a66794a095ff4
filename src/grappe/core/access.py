"""One access rule for every page: who may open it, and how a refusal looks.

- Anonymous visitors go to the login page.
- A signed-in user without the page's capability gets a 403 with a sentence saying whose work it is (a page
  whose existence is no secret: the imports, the mergers' list).
- An object the user may not see is looked up exactly like a missing one: every lookup raises
  ``grappe.errors.NotFound`` (selectors) or ``Http404``, and both answer 404, so nothing leaks which ids exist.

Selectors do lookup and authorisation in one call (``merger_for(user, id)``, ``organisation_for(user, id)``),
as Zulip's ``access_stream_by_id``; views declare the capability with ``staff_view``. The admin, the exports
and the CLI read the same selectors' querysets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from grappe.errors import NotFound

View = Callable[..., HttpResponse]
Capability = Callable[[Any], bool]


def staff_view(*, capability: Capability | None = None, denied: str = "") -> Callable[[View], View]:
    """Decorate a view: login first, then ``capability(user)`` (403 with ``denied`` when false), and every
    ``NotFound`` raised inside answered as 404."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if capability is not None and not capability(request.user):
                raise PermissionDenied(denied)
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.message) from error

        wrapper.grappe_access = True  # type: ignore[attr-defined]  # tests check every page carries it
        return wrapper

    return decorate
