"""A staff session opened in the browser without the login page (the login page has its own tests): the pages
under test start logged in, as the user would be."""

from __future__ import annotations

from typing import Any


def session_cookie(live_server: Any, user: Any) -> dict[str, str]:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server.url}


def log_in(live_server: Any, page: Any, user: Any) -> None:
    page.context.add_cookies([session_cookie(live_server, user)])
