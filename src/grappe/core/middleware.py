"""Response headers every page of the platform needs, whatever app renders it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers


class PrivatePagesMiddleware:
    """A logged-in user's pages and downloads carry ``Cache-Control: private, no-store``.

    They show members' contacts and the network's decisions: neither a shared proxy nor the browser's disk cache
    may keep them, so the back button on a shared computer after logging out shows nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "public" in response.get("Cache-Control", ""):
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        return response
