"""What a deployment decides, read from the environment in one place (``settings.py`` only copies it).

``GRAPPE_ENV=production`` turns the safe-for-a-laptop defaults into refusals: a server must not start on the
public demo key, with DEBUG on, or without knowing its host names; HTTPS, secure cookies and HSTS become the
default. Everything read here is plain data so that tests can build a deployment from any environment mapping
without reloading Django's settings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar, overload

from django.core.exceptions import ImproperlyConfigured

PRODUCTION = "production"
DEVELOPMENT = "development"
# Published in the source and the README: whoever knows it can sign session and messages cookies.
DEMO_SECRET_KEY = "grappe-local-demo-key-not-for-production"
SECRET_KEY_MIN_LENGTH = 50  # Django's own check (security.W009) asks for at least 50 characters.
# A working day: a browser left open overnight on a shared computer is logged out by morning. Django's default
# (two weeks) suits public sites where logging in again is a nuisance, not staff tools holding members' data.
DEFAULT_SESSION_HOURS = 8
# Wrong passwords allowed for one user name from one address before the login form refuses it (HTTP 429) for
# the cool-off: a person mistyping does not reach 5; a guessing script gets 5 tries a quarter of an hour.
DEFAULT_LOGIN_FAILURE_LIMIT = 5
DEFAULT_LOGIN_COOLOFF_MINUTES = 15
# One year, the value HSTS preload lists and Django's documentation recommend once HTTPS is known to work.
DEFAULT_HSTS_SECONDS = 365 * 24 * 3600
Number = TypeVar("Number", int, float)
GENERATE_KEY_HINT = (
    'python -c "from django.core.management.utils import get_random_secret_key as k; print(k())"'
)


@dataclass(frozen=True)
class Deployment:
    """The settings that differ between the demo on a laptop and a server facing the network's staff."""

    production: bool
    debug: bool
    secret_key: str
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    proxy_ssl_header: tuple[str, str] | None
    ssl_redirect: bool
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    secure_cookies: bool
    session_seconds: int
    login_failure_limit: int
    login_cooloff_minutes: int


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None or not value.strip():
        return default
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on", "oui", "vrai"}:
        return True
    if text in {"0", "false", "no", "off", "non", "faux"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} : valeur inattendue ; écrivez 1 (oui) ou 0 (non).")


@overload
def integer(
    environ: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int: ...
@overload
def integer(
    environ: Mapping[str, str], name: str, default: None, *, minimum: int = 0, maximum: int | None = None
) -> int | None: ...
def integer(
    environ: Mapping[str, str],
    name: str,
    default: int | None,
    *,
    minimum: int = 0,
    maximum: int | None = None,
) -> int | None:
    """The whole number ``name`` holds (``default`` when unset or empty: ``None`` where unset means « let the
    platform choose »); anything else, or a number outside ``minimum`` … ``maximum``, is refused by name, at
    start-up, rather than failing later as a traceback or a limit of zero."""
    return _number(environ, name, default, minimum, int, "un nombre entier est attendu", maximum)


def decimal(environ: Mapping[str, str], name: str, default: float, *, minimum: float = 0.0) -> float:
    """As ``integer``, for a number of seconds that may have decimals (« 0.5 »)."""
    number = _number(
        environ, name, default, minimum, float, "un nombre est attendu (par exemple 2 ou 0.5)", None
    )
    assert number is not None  # a float default
    return number


def _number(
    environ: Mapping[str, str],
    name: str,
    default: Number | None,
    minimum: Number,
    parse: Callable[[str], Number],
    expected: str,
    maximum: Number | None,
) -> Number | None:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} : {expected}.") from None
    # float() reads « nan » and « inf »: neither is a number of seconds.
    if not math.isfinite(number) or number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} : la valeur doit être au moins {minimum:g}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={value!r} : la valeur doit être au plus {maximum:g}.")
    return number


def _list(environ: Mapping[str, str], name: str, default: str = "") -> list[str]:
    return [item.strip() for item in environ.get(name, default).split(",") if item.strip()]


def _environment(environ: Mapping[str, str]) -> bool:
    """True in production. An unknown value is refused: a typo (``prod``) must not silently mean development."""
    value = environ.get("GRAPPE_ENV", "").strip().lower() or DEVELOPMENT
    if value not in {PRODUCTION, DEVELOPMENT}:
        raise ImproperlyConfigured(
            f"GRAPPE_ENV={value!r} : valeur inconnue ; écrivez « production » sur un serveur, "
            "ou laissez la variable vide pour la démonstration et le développement."
        )
    return value == PRODUCTION


def _secret_key(environ: Mapping[str, str], *, production: bool) -> str:
    key = environ.get("GRAPPE_SECRET_KEY", "").strip()
    if not production:
        return key or DEMO_SECRET_KEY
    if not key or key == DEMO_SECRET_KEY:
        raise ImproperlyConfigured(
            "GRAPPE_ENV=production : GRAPPE_SECRET_KEY est absente ou vaut la clé publique de la démonstration. "
            "Quiconque la connaît peut forger les cookies de session. Générez une clé secrète propre au serveur "
            f"({GENERATE_KEY_HINT}) et placez-la dans GRAPPE_SECRET_KEY."
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"GRAPPE_ENV=production : GRAPPE_SECRET_KEY ne compte que {len(key)} caractères, il en faut au moins "
            f"{SECRET_KEY_MIN_LENGTH}. Générez-en une avec : {GENERATE_KEY_HINT}"
        )
    return key


def _proxy_ssl_header(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``GRAPPE_PROXY_SSL_HEADER=X-Forwarded-Proto`` (value ``https``) or ``X-Forwarded-Proto: https``."""
    value = environ.get("GRAPPE_PROXY_SSL_HEADER", "").strip()
    if not value:
        return None
    name, _colon, expected = value.partition(":")
    name, expected = name.strip(), expected.strip() or "https"
    if not name or any(char.isspace() for char in name):
        raise ImproperlyConfigured(
            f"GRAPPE_PROXY_SSL_HEADER={value!r} : indiquez le nom de l'en-tête posé par le proxy, "
            "par exemple « X-Forwarded-Proto » (ou « X-Forwarded-Proto: https »)."
        )
    return "HTTP_" + name.upper().replace("-", "_"), expected


def _trusted_origins(environ: Mapping[str, str]) -> list[str]:
    origins = _list(environ, "GRAPPE_CSRF_TRUSTED_ORIGINS")
    for origin in origins:
        if not origin.startswith(("https://", "http://")):
            raise ImproperlyConfigured(
                f"GRAPPE_CSRF_TRUSTED_ORIGINS : « {origin} » doit commencer par https:// "
                "(par exemple https://grappe.example.org)."
            )
    return origins


def _allowed_hosts(environ: Mapping[str, str], *, production: bool) -> list[str]:
    hosts = _list(environ, "GRAPPE_ALLOWED_HOSTS", "" if production else "127.0.0.1,localhost")
    if production and not hosts:
        raise ImproperlyConfigured(
            "GRAPPE_ENV=production : GRAPPE_ALLOWED_HOSTS est vide ; indiquez le ou les noms sous lesquels le "
            "serveur répond, séparés par des virgules (par exemple grappe.example.org)."
        )
    return hosts


def from_environ(environ: Mapping[str, str]) -> Deployment:
    """The deployment described by ``environ``; ``ImproperlyConfigured`` (in French) when production is unsafe."""
    production = _environment(environ)
    debug = _bool(environ, "GRAPPE_DEBUG", False)
    if production and debug:
        raise ImproperlyConfigured(
            "GRAPPE_ENV=production avec GRAPPE_DEBUG activé : le mode débogage affiche le code, les réglages et "
            "les données des membres à chaque erreur. Retirez GRAPPE_DEBUG (ou mettez-le à 0)."
        )
    hsts_seconds = integer(environ, "GRAPPE_HSTS_SECONDS", DEFAULT_HSTS_SECONDS if production else 0)
    return Deployment(
        production=production,
        debug=debug,
        secret_key=_secret_key(environ, production=production),
        allowed_hosts=_allowed_hosts(environ, production=production),
        csrf_trusted_origins=_trusted_origins(environ),
        proxy_ssl_header=_proxy_ssl_header(environ),
        ssl_redirect=_bool(environ, "GRAPPE_SSL_REDIRECT", production),
        hsts_seconds=hsts_seconds,
        hsts_include_subdomains=_bool(environ, "GRAPPE_HSTS_INCLUDE_SUBDOMAINS", production),
        hsts_preload=_bool(environ, "GRAPPE_HSTS_PRELOAD", False),
        secure_cookies=_bool(environ, "GRAPPE_SECURE_COOKIES", production),
        session_seconds=integer(environ, "GRAPPE_SESSION_HOURS", DEFAULT_SESSION_HOURS, minimum=1) * 3600,
        login_failure_limit=integer(
            environ, "GRAPPE_LOGIN_FAILURE_LIMIT", DEFAULT_LOGIN_FAILURE_LIMIT, minimum=1
        ),
        login_cooloff_minutes=integer(
            environ, "GRAPPE_LOGIN_COOLOFF_MINUTES", DEFAULT_LOGIN_COOLOFF_MINUTES, minimum=1
        ),
    )
