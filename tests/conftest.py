"""Shared cast for Django tests: a small registry built through the ORM and the three kinds of users.

The registry follows the real story at small scale: Numélink (Saint-Étienne, Loire) has absorbed RhoneAlley
(Drôme-Ardèche) and keeps its name as a brand; its antenna in Valence serves the Drôme-Ardèche territory.

- ``registry``: the ``SmallRegistry`` below (associations, territories, offices, organisations, people,
  memberships, one imported file with its rows and lineage);
- ``hq_user`` (head-office staff: sees everything), ``territorial_user`` (Valence antenna: sees Drôme 26 and
  Ardèche 07 only), ``nonstaff_user`` (a plain account: no registry access);
- ``hq_client``, ``territorial_client``, ``nonstaff_client``: Django test clients logged in as each of them.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from grappe.france.identifiers import complete_siren, complete_siret
from grappe.registry.models import (
    Association,
    Brand,
    Establishment,
    Lineage,
    Membership,
    Office,
    Organisation,
    Person,
    Role,
    SourceFile,
    SourceRecord,
    StaffMember,
    Territory,
)

# In CI (CI=true), property tests draw the same examples at every run: a red CI names a regression, not an
# unlucky draw. Developers' runs keep exploring at random; what they find is pinned with @example.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# The pure cores (grappe.france, grappe.linkage, and the intake's file readers: grappe.intake.reading, .headers,
# .formats) import no Django and so never see a database: their tests give the same result whatever DATABASE_URL
# says. CI's second pass (PostgreSQL) leaves them out with --pure-cores-ran, having run them in the first; a test
# there that does reach the database still runs. tests/test_pure_cores.py checks both lists import no Django.
PURE_CORE_TESTS = ("france", "linkage")
PURE_CORE_TEST_MODULES = ("intake/test_headers.py", "intake/test_hostile_fuzz.py", "intake/test_reading.py")
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_reset_sequences", "live_server"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--pure-cores-ran",
        action="store_true",
        help="leave out the tests of the pure cores (tests/france, tests/linkage) that use no database: "
        "they already ran on another database",
    )


def touches_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def is_pure_core_test(item: pytest.Item) -> bool:
    path = item.path.relative_to(Path(__file__).parent)
    in_a_pure_core = (len(path.parts) > 1 and path.parts[0] in PURE_CORE_TESTS) or (
        path.as_posix() in PURE_CORE_TEST_MODULES
    )
    return in_a_pure_core and not touches_database(item)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--pure-cores-ran"):
        return
    left_out = [item for item in items if is_pure_core_test(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        leaving = set(left_out)
        items[:] = [item for item in items if item not in leaving]


def _delete_rows_instead_of_truncating() -> None:
    """PostgreSQL: empty the tables after a transactional test (the live server's, the workers') with DELETE, not
    TRUNCATE. TRUNCATE gives each of a hundred tables and their indexes new files: 0.8 s a test here, against
    4 ms for deleting the few rows a test wrote. Neither resets the sequences unless asked (then TRUNCATE is kept),
    and Django's foreign keys are checked at commit, so the order of the tables does not matter."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [
            "; ".join(
                f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))}" for t in tables
            )
        ]

    DatabaseOperations.sql_flush = sql_flush


_delete_rows_instead_of_truncating()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Tests create many accounts: a deliberately slow production hasher would dominate their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def french_after_each_test() -> Iterator[None]:
    """A request with an English cookie leaves English active in the worker's thread: put French back after each test
    so that a test's outcome never depends on which test ran before it in the same worker."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


OLD_SQLITE_VARIABLE_LIMIT = 999


@pytest.fixture
def old_sqlite_limit(db: None) -> Iterator[int | None]:
    """SQLite as older builds ship it: at most 999 bound variables a statement (stock builds allow 32,766, this
    machine's 250,000, so an unchunked ``__in`` passes here and fails for users: PITFALLS.md). Yields the
    limit, or None on PostgreSQL, whose own limit (65,535) the test must then reach by itself if it can."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield None
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, OLD_SQLITE_VARIABLE_LIMIT)
    try:
        yield OLD_SQLITE_VARIABLE_LIMIT
    finally:
        if connection.connection is raw:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@dataclass
class SmallRegistry:
    numelink: Association
    rhonealley: Association
    auvergne_tic: Association
    loire: Territory
    drome_ardeche: Territory
    auvergne: Territory
    head_office: Office
    valence: Office
    atelier_forezien: Organisation  # Saint-Étienne (42), member of Numélink
    drome_logiciels: Organisation  # Valence (26), brought in by RhoneAlley, with provenance
    ardeche_data: Organisation  # Privas (07), start-up, membership pending
    volcans_cloud: Organisation  # Clermont-Ferrand (63), member of Auvergne TIC
    multisite: Organisation  # establishments in Saint-Étienne (42) and Valence (26)
    claire: Person  # representative of Drôme Logiciels
    paul: Person  # representative of Atelier Forézien
    source_file: SourceFile
    drome_record: SourceRecord

    @property
    def in_drome_ardeche(self) -> list[Organisation]:
        return [self.drome_logiciels, self.ardeche_data, self.multisite]

    @property
    def outside_drome_ardeche(self) -> list[Organisation]:
        return [self.atelier_forezien, self.volcans_cloud]


def _organisation(
    n: int, name: str, *, postcode: str, city: str, departement: str, **fields: object
) -> Organisation:
    siren = complete_siren(f"8{n:07d}")
    organisation = Organisation.objects.create(name=name, siren=siren, **fields)
    Establishment.objects.create(
        organisation=organisation,
        siret=complete_siret(f"{siren}0001"),
        street=f"{n} rue de la République",
        postcode=postcode,
        city=city,
        departement_code=departement,
        is_head_office=True,
    )
    return organisation


def build_small_registry() -> SmallRegistry:
    numelink = Association.objects.create(
        name="Numélink",
        short_name="Numélink",
        seat_city="Saint-Étienne",
        founded_on=datetime.date(2002, 5, 1),
    )
    auvergne_tic = Association.objects.create(name="Auvergne TIC", seat_city="Clermont-Ferrand")
    rhonealley = Association.objects.create(
        name="RhoneAlley",
        seat_city="Valence",
        status=Association.Status.ABSORBED,
        absorbed_on=datetime.date(2016, 6, 1),
        absorbed_into=numelink,
    )
    loire = Territory.objects.create(association=numelink, name="Loire", departement_codes=["42"])
    drome_ardeche = Territory.objects.create(
        association=numelink, name="Drôme-Ardèche", departement_codes=["26", "07"]
    )
    auvergne = Territory.objects.create(
        association=auvergne_tic, name="Auvergne", departement_codes=["63", "03"]
    )
    brand = Brand.objects.create(
        association=numelink,
        name="RhoneAlley",
        origin_association=rhonealley,
        since=datetime.date(2016, 6, 1),
    )
    brand.territories.add(drome_ardeche)
    head_office = Office.objects.create(
        association=numelink,
        territory=loire,
        kind=Office.Kind.HEAD_OFFICE,
        name="Siège de Saint-Étienne",
        postcode="42000",
        city="Saint-Étienne",
    )
    valence = Office.objects.create(
        association=numelink,
        territory=drome_ardeche,
        kind=Office.Kind.ANTENNA,
        name="Antenne de Valence",
        postcode="26000",
        city="Valence",
    )

    atelier = _organisation(
        1,
        "Atelier Numérique Forézien",
        postcode="42000",
        city="Saint-Étienne",
        departement="42",
        naf_code="62.01Z",
        headcount_bracket="11",
    )
    drome = _organisation(
        2,
        "Drôme Logiciels",
        postcode="26000",
        city="Valence",
        departement="26",
        naf_code="62.02A",
        legal_form_code="5499",
        headcount_bracket="03",
        website="https://drome-logiciels.fr",
        website_domain="drome-logiciels.fr",
    )
    ardeche = _organisation(
        3,
        "Ardèche Data",
        postcode="07000",
        city="Privas",
        departement="07",
        naf_code="63.11Z",
        is_startup=True,
    )
    volcans = _organisation(
        4, "Volcans Cloud", postcode="63000", city="Clermont-Ferrand", departement="63", naf_code="63.11Z"
    )
    multisite = _organisation(
        5, "Multisite Industries", postcode="42100", city="Saint-Étienne", departement="42"
    )
    Establishment.objects.create(
        organisation=multisite,
        siret=complete_siret(f"{multisite.siren}0002"),
        postcode="26000",
        city="Valence",
        departement_code="26",
    )

    active = Membership.Status.ACTIVE
    Membership.objects.create(
        organisation=atelier,
        association=numelink,
        status=active,
        starts_on=datetime.date(2012, 1, 15),
        annual_fee=300,
    )
    Membership.objects.create(
        organisation=drome,
        association=numelink,
        origin=rhonealley,
        status=active,
        starts_on=datetime.date(2015, 3, 1),
        annual_fee=150,
    )
    Membership.objects.create(
        organisation=ardeche,
        association=numelink,
        origin=rhonealley,
        status=Membership.Status.PENDING,
        starts_on=datetime.date(2024, 9, 1),
    )
    Membership.objects.create(
        organisation=volcans, association=auvergne_tic, status=active, starts_on=datetime.date(2018, 2, 1)
    )
    Membership.objects.create(
        organisation=multisite, association=numelink, status=active, starts_on=datetime.date(2019, 6, 1)
    )

    claire = Person.objects.create(
        first_name="Claire", last_name="Martin", email="claire.martin@drome-logiciels.fr"
    )
    paul = Person.objects.create(
        first_name="Paul", last_name="Durand", email="paul.durand@atelier-forezien.fr"
    )
    Role.objects.create(person=claire, organisation=drome, kind=Role.Kind.REPRESENTATIVE, job_title="Gérante")
    Role.objects.create(
        person=paul, organisation=atelier, kind=Role.Kind.REPRESENTATIVE, job_title="Président"
    )

    source_file = SourceFile.objects.create(
        sha256="a" * 64,
        original_name="adherents-rhonealley-2016.csv",
        size=2048,
        file_format="csv",
        encoding="cp1252",
        delimiter=";",
        headers=["Raison sociale", "SIRET", "Ville", "Contact"],
        association=rhonealley,
        row_count=2,
        imported_count=1,
        rejected_count=1,
    )
    drome_record = SourceRecord.objects.create(
        source_file=source_file,
        line_number=2,
        status=SourceRecord.Status.IMPORTED,
        organisation=drome,
        values=["DROME LOGICIELS SARL", drome.establishments.get().siret, "VALENCE", "Claire Martin"],
    )
    SourceRecord.objects.create(
        source_file=source_file,
        line_number=3,
        status=SourceRecord.Status.REJECTED,
        values=["Sans Siret", "4,12E+13", "Valence", ""],
        issues=[{"code": "siret.spreadsheet_mangled", "message": "SIRET abîmé par un tableur"}],
    )
    org_type = ContentType.objects.get_for_model(Organisation)
    Lineage.objects.create(
        source_record=drome_record,
        content_type=org_type,
        object_id=drome.pk,
        field="name",
        column="Raison sociale",
        value="DROME LOGICIELS SARL",
        retained=False,
    )
    Lineage.objects.create(
        source_record=drome_record,
        content_type=org_type,
        object_id=drome.pk,
        field="siren",
        column="SIRET",
        value=drome.siren,
        retained=True,
    )
    return SmallRegistry(
        numelink=numelink,
        rhonealley=rhonealley,
        auvergne_tic=auvergne_tic,
        loire=loire,
        drome_ardeche=drome_ardeche,
        auvergne=auvergne,
        head_office=head_office,
        valence=valence,
        atelier_forezien=atelier,
        drome_logiciels=drome,
        ardeche_data=ardeche,
        volcans_cloud=volcans,
        multisite=multisite,
        claire=claire,
        paul=paul,
        source_file=source_file,
        drome_record=drome_record,
    )


@pytest.fixture
def registry(db: None) -> SmallRegistry:
    return build_small_registry()


@pytest.fixture
def hq_user(registry: SmallRegistry, django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    user = django_user_model.objects.create_user(
        "direction", email="direction@numelink.fr", first_name="Sophie", last_name="Bernard"
    )
    StaffMember.objects.create(
        association=registry.numelink,
        office=registry.head_office,
        user=user,
        first_name="Sophie",
        last_name="Bernard",
        job_title="Directrice",
    )
    return user


@pytest.fixture
def territorial_user(registry: SmallRegistry, django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    user = django_user_model.objects.create_user(
        "permanent.valence", email="valence@numelink.fr", first_name="Lucas", last_name="Roux"
    )
    StaffMember.objects.create(
        association=registry.numelink,
        office=registry.valence,
        user=user,
        first_name="Lucas",
        last_name="Roux",
        job_title="Chargé de mission Drôme-Ardèche",
    )
    return user


@pytest.fixture
def nonstaff_user(registry: SmallRegistry, django_user_model: type[AbstractBaseUser]) -> AbstractBaseUser:
    return django_user_model.objects.create_user("adherent", email="contact@drome-logiciels.fr")


def _client_for(user: AbstractBaseUser) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hq_client(hq_user: AbstractBaseUser) -> Client:
    return _client_for(hq_user)


@pytest.fixture
def territorial_client(territorial_user: AbstractBaseUser) -> Client:
    return _client_for(territorial_user)


@pytest.fixture
def nonstaff_client(nonstaff_user: AbstractBaseUser) -> Client:
    return _client_for(nonstaff_user)


def _server_of(default: dict) -> dict:
    return {
        "host": default["HOST"] or "localhost",
        "port": int(default["PORT"] or 5432),
        "user": default["USER"],
        "password": default["PASSWORD"] or None,
    }


def _postgres_url(server: dict, name: str) -> str:
    password = f":{quote(server['password'])}" if server["password"] else ""
    return f"postgres://{quote(server['user'])}{password}@{server['host']}:{server['port']}/{name}"


@contextlib.contextmanager
def _postgres_database(server: dict, prefix: str, template: str | None = None) -> Iterator[str]:
    """A database of its own on the test server (a copy of ``template`` if given), dropped afterwards even while
    a connection is still open on it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copy}')
    try:
        yield name
    finally:
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate(database_url: str, data_dir: Path) -> None:
    # The test process's own settings (its settings module, its database) must not reach the migration.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPPE_", "DJANGO_", "DATABASE_"))}
    env = {**inherited, "DATABASE_URL": database_url, "GRAPPE_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "grappe.cli", "migrate"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per test process, copied for each test that needs a database of its own:
    migrating from scratch costs 10–20 s, copying a file or a template database well under one."""
    default = settings.DATABASES["default"]
    folder = tmp_path_factory.mktemp("migrated")
    if default["ENGINE"] != "django.db.backends.postgresql":
        template = folder / "grappe.sqlite3"
        _migrate(f"sqlite:///{template}", folder)
        yield str(template)
        return
    server = _server_of(default)
    with _postgres_database(server, "grappe_template") as name:
        _migrate(_postgres_url(server, name), folder)
        yield name


@pytest.fixture
def shared_database(tmp_path: Path, _migrated_template: str) -> Iterator[str]:
    """A migrated database of its own, on the backend the suite runs on, for processes that outlive each
    other: a SQLite file, or a PostgreSQL database created for the test and dropped after it (the server then
    rolls back what the killed process's connection left open, as it would in production)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        database = tmp_path / "grappe.sqlite3"
        shutil.copyfile(_migrated_template, database)
        yield f"sqlite:///{database}"
        return
    server = _server_of(default)
    with _postgres_database(server, "grappe_killed", template=_migrated_template) as name:
        yield _postgres_url(server, name)


@pytest.fixture
def unmigrated_database(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """For a migration test: an empty database on the suite's backend stands in for the test database until the
    test ends, to be migrated forward to the state the test starts from, then thrown away. Unapplying every later
    migration of the test database and applying them all again afterwards cost 10–35 s a test; reaching an
    early state from nothing costs a fraction of it."""
    from django.db import connections
    from django.db.utils import load_backend

    test_database = connections["default"]
    settings_dict = dict(test_database.settings_dict)
    with contextlib.ExitStack() as cleanup:
        if settings_dict["ENGINE"] == "django.db.backends.postgresql":
            settings_dict["NAME"] = cleanup.enter_context(
                _postgres_database(_server_of(settings_dict), "grappe_unmigrated")
            )
        else:
            settings_dict["NAME"] = str(tmp_path / "unmigrated.sqlite3")
        empty = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
        connections["default"] = empty
        try:
            yield
        finally:
            empty.close()
            connections["default"] = test_database


@pytest.fixture
def database_queue(settings) -> Callable[[], None]:
    """The queue as production runs it: django-tasks' database backend instead of the suite's immediate one.
    Returns ``work_off``, a worker loop (``grappe worker --batch``) run here until no task is ready."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

    def work_off() -> None:
        from grappe.jobs.worker import run_worker

        # The worker installs its own SIGINT/SIGTERM handlers (finish the running task, then stop).
        handlers = {
            number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        }
        try:
            run_worker(batch=True, verbosity=0)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)

    return work_off


@pytest.fixture
def fresh_process(tmp_path: Path) -> Callable[..., object]:
    """Runs Python code in a new process with the project's own settings (not the suite's), an empty data
    folder and the embedded database; returns the JSON its last printed line holds. For what a process does
    from its start (what it loads, the priority it runs at), which the test process has long passed."""

    def run(code: str, **environment: str | None) -> object:
        """``environment``: variables to set, or to remove (None)."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grappe.settings", "GRAPPE_DATA_DIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        for name, value in environment.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        completed = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
        )
        return json.loads(completed.stdout.strip().splitlines()[-1])

    return run
