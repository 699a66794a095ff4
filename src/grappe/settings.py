"""Django settings for Grappe.

Everything that differs between a laptop demo and a production server comes from environment variables with
safe defaults: the embedded default is SQLite (WAL) in ``GRAPPE_DATA_DIR``; production sets ``DATABASE_URL``.
"""

from __future__ import annotations

import datetime
import os
from functools import partial
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants
from django.utils.translation import gettext_lazy as _

from grappe.core import deployment

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("GRAPPE_DATA_DIR", Path.cwd() / "var")).resolve()


# GRAPPE_ENV=production refuses the demo's defaults (public key, DEBUG, no host names): see core/deployment.py.
DEPLOYMENT = deployment.from_environ(os.environ)
GRAPPE_ENV = deployment.PRODUCTION if DEPLOYMENT.production else deployment.DEVELOPMENT
# Every number below is read by the same reader: a value that is not one stops the start with its name, and the
# command line prints that sentence alone (grappe.cli.setup_django).
_integer = partial(deployment.integer, os.environ)
_decimal = partial(deployment.decimal, os.environ)
DEBUG = DEPLOYMENT.debug
SECRET_KEY = DEPLOYMENT.secret_key
ALLOWED_HOSTS = DEPLOYMENT.allowed_hosts
CSRF_TRUSTED_ORIGINS = DEPLOYMENT.csrf_trusted_origins
SECURE_PROXY_SSL_HEADER = DEPLOYMENT.proxy_ssl_header
SECURE_SSL_REDIRECT = DEPLOYMENT.ssl_redirect
SECURE_HSTS_SECONDS = DEPLOYMENT.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = DEPLOYMENT.hsts_include_subdomains
SECURE_HSTS_PRELOAD = DEPLOYMENT.hsts_preload
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = DEPLOYMENT.secure_cookies
SESSION_COOKIE_AGE = DEPLOYMENT.session_seconds
# Preloading commits the domain (and its subdomains) to HTTPS in browsers for months: the operator's choice
# (GRAPPE_HSTS_PRELOAD=1), so Django's reminder that it is off is not a defect of the deployment.
SILENCED_SYSTEM_CHECKS = [] if DEPLOYMENT.hsts_preload else ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "grappe.core",
    "django_tasks",
    "django_tasks_db",
    "grappe.registry",
    "grappe.intake",
    "grappe.demo",
    "grappe.mergers",
    "csp",
    "axes",
    "grappe.governance",  # issue 11: statutes, bodies, mandates, federal seats
    "grappe.finance",  # finance: fee schedules, dues, payments, good standing (issue 12)
    "grappe.startups",  # start-up sourcing: pipeline, programmes, application deadlines (issue 12)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "grappe.middleware.FrenchFirstLocaleMiddleware",
    "grappe.core.uploads.RequestSizeLimitMiddleware",  # 413 before an oversized body is read
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Hardening (issue 13): the Content-Security-Policy header, no caching of a logged-in user's pages, and the
    # login throttle (django-axes asks to be last).
    "csp.middleware.CSPMiddleware",
    "grappe.core.middleware.PrivatePagesMiddleware",
    "grappe.middleware.DatabaseBusyMiddleware",  # issue 13 (scale): a wait on the write lock → 503, not 500
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grappe.urls"
WSGI_APPLICATION = "grappe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]
# Django's form renderer with its selects drawn in Python: the same markup, without a template per option.
FORM_RENDERER = "grappe.core.forms.FormRenderer"

_SQLITE_DEFAULT = f"sqlite:///{DATA_DIR / 'grappe.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", _SQLITE_DEFAULT), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: PostgreSQL compiles any query estimated above jit_above_cost, which the list's sort
    # subqueries reach on a few thousand organisations; compiling took 7–25 ms, more than running the query
    # (benchmarks/load/). A page's queries are short; JIT pays off on long reports, which Grappe does not run.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# How long a web request waits for a long writer's turn (an import, a merger's apply or undo) before the « base
# occupée » page: SQLite's busy timeout, and on PostgreSQL the wait for the bulk writers' lock (grappe.core.locks).
GRAPPE_BUSY_TIMEOUT = _decimal("GRAPPE_SQLITE_BUSY_TIMEOUT", 15.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while an import writes; IMMEDIATE takes the write lock when a transaction
        # begins, so that two writers queue instead of deadlocking on an upgrade ("database is locked" at once).
        "init_command": "PRAGMA journal_mode=wal; PRAGMA synchronous=normal;",
        "transaction_mode": "IMMEDIATE",
        # -- issue 13 (scale): how long a writer waits for another's lock before giving up (sqlite3's busy
        # timeout, seconds). Imports and mergers write in short transactions, so the wait is short; a web
        # request that still gives up gets the « base occupée » page (grappe.middleware.DatabaseBusyMiddleware).
        "timeout": GRAPPE_BUSY_TIMEOUT,
    }
# The seconds a client is told to wait (Retry-After) when the database was busy for its request.
GRAPPE_RETRY_AFTER = _integer("GRAPPE_RETRY_AFTER", 5)
# -- end issue 13 (scale)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): after GRAPPE_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one
# address, the form answers 429 with registration/locked_out.html, even to the right password, for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = DEPLOYMENT.login_failure_limit
AXES_COOLOFF_TIME = datetime.timedelta(minutes=DEPLOYMENT.login_cooloff_minutes)
# User name and address together: someone elsewhere typing `direction` wrongly cannot lock the director out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): scripts and styles only from Grappe's own static files, no inline code,
# so that text slipped into a page (a member's name, a forged message) cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the finders in the demo (no collectstatic step) but expects STATIC_ROOT to exist.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The project's own stylesheet lives beside the project templates (src/grappe/static), not in an app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploaded exports can be large: stream them to disk rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
GRAPPE_MAX_UPLOAD_BYTES = _integer("GRAPPE_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1)
# Web imports of files above this size validate and import on the task queue with a progress page.
GRAPPE_INTAKE_SYNC_MAX_BYTES = _integer("GRAPPE_INTAKE_SYNC_MAX_BYTES", 2 * 1024 * 1024)

# --- Import limits (grappe.intake.formats.limits) ------------------------------------------------------------
# Every reader (CSV, XLSX, ODS) checks them before it allocates: what a workbook declares (zip sizes, sheet
# dimensions, cell positions, repeated rows) and what a file holds. A breach is a located refusal; the upload is
# removed. The defaults let a 200,000-row × 60-column registry through with room to spare.
GRAPPE_IMPORT_MAX_ROWS = _integer("GRAPPE_IMPORT_MAX_ROWS", 300000, minimum=1)
GRAPPE_IMPORT_MAX_COLUMNS = _integer("GRAPPE_IMPORT_MAX_COLUMNS", 500, minimum=1)
GRAPPE_IMPORT_MAX_CELLS = _integer("GRAPPE_IMPORT_MAX_CELLS", 20000000, minimum=1)
GRAPPE_IMPORT_MAX_CELL_CHARS = _integer("GRAPPE_IMPORT_MAX_CELL_CHARS", 32767, minimum=1)
GRAPPE_IMPORT_MAX_DECOMPRESSED_BYTES = _integer(
    "GRAPPE_IMPORT_MAX_DECOMPRESSED_BYTES", 2 * 1024**3, minimum=1
)
GRAPPE_IMPORT_MAX_COMPRESSION_RATIO = _integer("GRAPPE_IMPORT_MAX_COMPRESSION_RATIO", 1000, minimum=1)
GRAPPE_IMPORT_MAX_REPEATED = _integer("GRAPPE_IMPORT_MAX_REPEATED", 1000, minimum=1)
# A request body above GRAPPE_MAX_UPLOAD_BYTES plus this much (the form's other fields, multipart headers) is
# refused with 413 from its Content-Length, before any of it is read (grappe.core.uploads).
GRAPPE_MAX_REQUEST_OVERHEAD_BYTES = _integer("GRAPPE_MAX_REQUEST_OVERHEAD_BYTES", 1024 * 1024)
# A file of at least GRAPPE_IMPORT_PARALLEL_ROWS rows has its rows checked by GRAPPE_IMPORT_PROCESSES forked
# processes (unset: one per core this process may use, at most 4; 1: none; an import writing as they check counts
# its own process as one of them), from the command line and the task worker only (grappe.intake.processes).
GRAPPE_IMPORT_PROCESSES = _integer("GRAPPE_IMPORT_PROCESSES", None, minimum=1)
GRAPPE_IMPORT_PARALLEL_ROWS = _integer("GRAPPE_IMPORT_PARALLEL_ROWS", 2000, minimum=1)
# --- end of import limits -------------------------------------------------------------------------------------

# Background work (grappe.jobs): a task queue in the database, run by `grappe worker`. GRAPPE_TASKS_BACKEND may
# name django-tasks' ImmediateBackend to run queued steps in the request instead (no worker; the test suite's).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("GRAPPE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A step failing on a transient database error (locked, deadlock, dropped connection) runs again this many times,
# after GRAPPE_TASKS_RETRY_DELAY seconds, doubled each time; finished tasks are kept GRAPPE_TASKS_KEEP_DAYS days.
GRAPPE_TASKS_RETRIES = _integer("GRAPPE_TASKS_RETRIES", 3)
GRAPPE_TASKS_RETRY_DELAY = _decimal("GRAPPE_TASKS_RETRY_DELAY", 5.0)
GRAPPE_TASKS_KEEP_DAYS = _integer("GRAPPE_TASKS_KEEP_DAYS", 30, minimum=1)
# The niceness (0–19) of the worker and of the commands running long work (imports, mergers): they yield the
# processor to the web workers (grappe.jobs.priority). 0 keeps them at the site's priority.
GRAPPE_BACKGROUND_NICE = _integer("GRAPPE_BACKGROUND_NICE", 10, maximum=19)
# A merger's report (CSV and PDF) listing more rows than this (absorbed members plus candidate pairs) is built
# by the worker, with a progress page; a smaller one in the request that asks for it (grappe.mergers.report_files).
GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS = _integer("GRAPPE_MERGERS_REPORT_DIRECT_MAX_ROWS", 1000)

EMAIL_BACKEND = os.environ.get("GRAPPE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("GRAPPE_EMAIL_HOST", "localhost")
EMAIL_PORT = _integer("GRAPPE_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("GRAPPE_FROM_EMAIL", "grappe@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRAPPE_LOG_LEVEL", "WARNING")},
}
