"""English as the second language: a complete catalog, and the pages switch from French to English.

French is the source language (every msgid is French); ``src/grappe/locale/en`` holds the English catalog.
The catalog is checked with the standard library only: a small ``.po`` reader, and ``gettext`` on the
compiled ``.mo`` to prove that the committed binary matches its source.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

import grappe
from grappe.france.identifiers import check_siren, check_siret
from grappe.france.problems import Problem
from grappe.intake.reading import Row
from grappe.intake.validation import RowValidator
from grappe.registry.models import Membership, Organisation

LOCALE_DIR = Path(grappe.__file__).parent / "locale"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

# %(name)s, %s, %d and %% in python-format strings; {name} in brace-format ones.
PLACEHOLDER = re.compile(r"%(?:\([a-z_][a-z0-9_]*\))?[sdif%]|\{[a-z_][a-z0-9_]*\}")


# -- a tiny .po reader ---------------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def read_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, obsolete ones (``#~``) left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line ("...") extends

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    def append(entry: Entry, key: tuple[str, int], text: str) -> None:
        name, index = key
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            if current is not None and (current.msgstr or current.msgid):
                finish()
            current = current or Entry(line=number)
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            append(current, target, ast.literal_eval(line))
            continue
        text = ast.literal_eval(rest)
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            finish()
        current = current or Entry(line=number)
        if keyword == "msgstr":
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[len("msgstr[") : -1]))
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            target = (keyword, 0)
            setattr(current, keyword, "")
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
        append(current, target, text)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[Entry]:
    assert EN_PO.is_file(), f"missing English catalog {EN_PO}"
    return read_po(EN_PO)


def _where(entry: Entry) -> str:
    return f"{EN_PO.name}:{entry.line} {entry.msgid[:60]!r}"


# -- the catalog ---------------------------------------------------------------------------------------------


def test_the_english_catalog_lives_where_django_looks_for_it():
    assert Path(settings.LOCALE_PATHS[0]) == LOCALE_DIR
    assert "en" in dict(settings.LANGUAGES)
    assert settings.LANGUAGE_CODE == "fr"


def test_the_catalog_header_is_english_and_not_fuzzy(catalog):
    header = catalog[0]
    assert header.is_header
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_every_entry_is_translated_and_none_is_fuzzy(catalog):
    messages = [entry for entry in catalog if not entry.is_header]
    assert len(messages) > 500  # the whole interface, not a sample

    untranslated = [_where(entry) for entry in messages if not all(entry.msgstr.values())]
    fuzzy = [_where(entry) for entry in messages if "fuzzy" in entry.flags]
    wrong_plurals = [
        _where(entry)
        for entry in messages
        if entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1]
    ]
    assert untranslated == []
    assert fuzzy == []
    assert wrong_plurals == []


def test_translations_keep_every_placeholder(catalog):
    broken = []
    for entry in catalog:
        if entry.is_header:
            continue
        if entry.msgid_plural is None:
            if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr[0])):
                broken.append(_where(entry))
            continue
        # English has the same two forms as French: each form keeps its source's placeholders.
        for source, index in ((entry.msgid, 0), (entry.msgid_plural, 1)):
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(entry.msgstr[index])):
                broken.append(f"{_where(entry)}[{index}]")
    assert broken == []


def test_no_english_translation_is_left_in_french(catalog):
    # A copied msgid is a forgotten translation, except for names and codes that read the same in both.
    same_in_both = {
        "SIREN", "SIRET", "RNA", "Start-up", "start-up", "English", "Imports", "Import", "import",
        "imports", "Association", "association", "associations", "Associations", "format", "options",
        "code", "Contact", "contact", "Type", "type", "Administration", "Pagination", "Organisation",
        "organisation", "organisations", "Organisations", "Grappe — administration", "Département",
        "département", "départements", "Départements", "commune", "Page %(number)s / %(total)s", "section", "id",
        "IBAN", "budget", "budgets", "Budgets", "description", "CAMT.053 (ISO 20022)", "Programme", "programme",
        "label", "date", "Date", "Budget %(year)s", "exclusion", "Total", "total", "Format", "Notes", "plan %(name)s",
    }  # fmt: skip
    copied = [
        _where(entry)
        for entry in catalog
        if not entry.is_header
        and entry.msgid_plural is None
        and entry.msgstr[0] == entry.msgid
        and entry.msgid not in same_in_both
    ]
    assert copied == []


def test_the_compiled_catalog_matches_its_source(catalog):
    """The committed ``.mo`` is compiled from the committed ``.po``: every message translates as written."""
    assert EN_MO.is_file(), f"missing compiled catalog {EN_MO}: run compilemessages"
    with EN_MO.open("rb") as stream:
        compiled = stdlib_gettext.GNUTranslations(stream)

    stale = []
    for entry in catalog:
        if entry.is_header:
            continue
        if entry.msgid_plural is not None:
            got = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt
                else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                for n in (1, 2)
            ]
            if got != [entry.msgstr[0], entry.msgstr[1]]:
                stale.append(_where(entry))
        else:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else compiled.gettext(entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(_where(entry))
    assert stale == []
    assert compiled.info().get("language") == "en"


def test_the_po_reader_understands_plurals_context_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Bonjour "\n"%(name)s"\nmsgstr "Hello %(name)s"\n\n'
        'msgctxt "mois"\nmsgid "mai"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "%(n)s ligne"\nmsgid_plural "%(n)s lignes"\nmsgstr[0] "%(n)s row"\n'
        'msgstr[1] "%(n)s rows"\n\n#~ msgid "ancien"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    header, hello, may, rows = read_po(po)
    assert header.is_header and header.msgstr == {0: "Language: en\n"}
    assert (hello.msgid, hello.msgstr, hello.flags) == (
        "Bonjour %(name)s",
        {0: "Hello %(name)s"},
        {"python-format"},
    )
    assert (may.msgctxt, may.msgid, may.msgstr) == ("mois", "mai", {0: ""})
    assert rows.msgid_plural == "%(n)s lignes" and rows.msgstr == {0: "%(n)s row", 1: "%(n)s rows"}
    assert "fuzzy" in rows.flags


# -- pages ---------------------------------------------------------------------------------------------------


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.mark.django_db
def test_the_login_page_is_french_by_default(client):
    html = page(client, reverse("login"))

    assert '<html lang="fr">' in html
    assert "Connexion à Grappe" in html and "Mot de passe" in html and "Se connecter" in html
    assert "Sign in to Grappe" not in html


@pytest.mark.django_db
def test_an_english_browser_still_gets_french_until_the_user_chooses(client):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


@pytest.mark.django_db
def test_the_login_page_is_english_with_the_language_cookie(client):
    assert settings.LANGUAGE_COOKIE_NAME == "django_language"
    html = page(english(client), reverse("login"))

    assert '<html lang="en">' in html
    assert "Sign in to Grappe" in html and "Password" in html and "Reserved for network staff." in html
    assert "Connexion à Grappe" not in html and "Mot de passe" not in html


@pytest.mark.django_db
def test_choosing_english_in_the_language_form_switches_the_login_page(client):
    login = reverse("login")
    assert "Connexion à Grappe" in page(client, login)

    response = client.post(reverse("set_language"), {"language": "en", "next": login})

    assert response.status_code == 302 and response["Location"] == login
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Sign in to Grappe" in page(client, login)

    client.post(reverse("set_language"), {"language": "fr", "next": login})
    assert "Connexion à Grappe" in page(client, login)


@pytest.mark.django_db
def test_the_login_error_is_english_too(client):
    response = english(client).post(reverse("login"), {"username": "nobody", "password": "wrong"})

    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Please enter a correct username and password." in html  # Django's own English message
    assert "Sign in to Grappe" in html


def test_the_registry_home_is_french_by_default(hq_client):
    html = page(hq_client, reverse("registry:home"))

    assert '<html lang="fr">' in html
    assert "Tout le registre du réseau" in html and "Adhérents par association" in html
    assert "Se déconnecter" in html


def test_the_registry_home_is_english_with_the_language_cookie(hq_client):
    html = page(english(hq_client), reverse("registry:home"))

    assert '<html lang="en">' in html
    assert "The whole network registry" in html and "Members by association" in html
    assert "Sign out" in html and "Skip to content" in html
    assert "Tout le registre du réseau" not in html and "Se déconnecter" not in html


def test_the_registry_home_follows_the_language_form(hq_client):
    home = reverse("registry:home")

    hq_client.post(reverse("set_language"), {"language": "en", "next": home})

    html = page(hq_client, home)
    assert "The whole network registry" in html and "Members by territory" in html


def test_the_territorial_home_names_its_territory_in_english(territorial_client, registry):
    html = page(english(territorial_client), reverse("registry:home"))

    assert f"Your territory: {registry.drome_ardeche.name}" in html


@pytest.fixture
def importer_client(hq_user) -> Client:
    hq_user.is_staff = True
    hq_user.save(update_fields=["is_staff"])
    hq_user.user_permissions.add(
        Permission.objects.get(codename="add_importjob", content_type__app_label="intake")
    )
    client = Client()
    client.force_login(hq_user)
    return client


def test_the_upload_page_is_french_by_default(importer_client):
    html = page(importer_client, reverse("intake:upload"))

    assert "Importer un fichier d'adhérents" in html
    assert "Déposer et vérifier" in html


def test_the_upload_page_is_english_with_the_language_cookie(importer_client):
    html = page(english(importer_client), reverse("intake:upload"))

    assert "Import a member file" in html
    assert "Upload and check" in html
    assert "Association providing the file" in html  # a form label (gettext_lazy)
    assert "Déposer et vérifier" not in html


# -- messages from code ---------------------------------------------------------------------------------------


def test_a_france_problem_renders_in_english_when_english_is_active():
    problem = check_siren("732829321").problem
    assert isinstance(problem, Problem)

    assert problem.render().startswith("SIREN « 732829321 » invalide")  # the French source, untranslated
    with translation.override("fr"):
        assert problem.render(gettext) == problem.render()
    with translation.override("en"):
        assert problem.render(gettext) == (
            "Invalid SIREN “732829321”: the check digit does not match (9 digits expected, Luhn key). "
            "Check that no digit was mistyped."
        )


def test_a_france_problem_keeps_its_parameters_in_english():
    problem = check_siret("7328293210001").problem  # 13 digits: a leading zero lost by a spreadsheet?
    assert problem is not None

    with translation.override("en"):
        message = problem.render(gettext)
    assert "7328293210001" in message
    assert "«" not in message and "%(" not in message
    assert message != problem.render()


def test_intake_validation_reports_problems_in_the_active_language():
    validator = RowValidator(headers=("Raison sociale", "SIREN"), mapping={0: "name", 1: "siren"})
    row = Row(line=2, cells=("Drôme Logiciels", "732829321"))

    with translation.override("en"):
        english_issues = validator.validate(row).issues
    with translation.override("fr"):
        french_issues = validator.validate(row).issues

    assert [issue.code for issue in english_issues] == [issue.code for issue in french_issues]
    siren_issue = next(issue for issue in english_issues if issue.field == "siren")
    assert siren_issue.message.startswith("Invalid SIREN “732829321”")
    assert next(i for i in french_issues if i.field == "siren").message.startswith("SIREN « 732829321 »")


def test_model_choices_and_names_are_english_when_english_is_active():
    with translation.override("en"):
        assert str(Membership.Status.ACTIVE.label) == "up to date"
        assert str(Membership._meta.verbose_name_plural) == "memberships"
    with translation.override("fr"):
        assert str(Membership._meta.verbose_name_plural) == "adhésions"


def test_headcount_brackets_read_in_the_active_language():
    organisation = Organisation(name="Forez Conseil", headcount_bracket="02")
    with translation.override("en"):
        assert organisation.get_headcount_bracket_display() == "3 to 5 employees"
    with translation.override("fr"):
        assert organisation.get_headcount_bracket_display() == "3 à 5 salariés"
