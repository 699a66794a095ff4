"""The list rows written in Python (``grappe.registry.rows``) are the templates' markup, character for character.

Each list's former ``{% for %}`` loop is kept here as it was in its template and rendered through the template
engine beside the Python rows, on rows of every shape a list shows (escaping, empty cells, plurals, badges,
dates), in French and in English: a difference of one character fails.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from grappe.france.identifiers import complete_siren
from grappe.registry import rows, selectors
from grappe.registry.models import (
    College,
    Establishment,
    Membership,
    MembershipType,
    Organisation,
    Person,
    Role,
)

ORGANISATION_LOOP = """{% load i18n humanize registry_tags %}\
{% for organisation in page.object_list %}
      <tr>
        <td><input type="checkbox" name="org" value="{{ organisation.pk }}" id="org-{{ organisation.pk }}" aria-label="{% blocktranslate with name=organisation.name %}Sélectionner {{ name }}{% endblocktranslate %}"></td>
        <td><a href="{% url 'registry:organisation_detail' organisation.pk %}">{{ organisation.name }}</a>
          {% if organisation.is_startup %}<span class="badge badge--startup">{% translate "start-up" %}</span>{% endif %}
          {% if organisation.naf_code %}<br><span class="muted small">{{ organisation.naf_code }} {{ organisation.naf_code|naf_label }}</span>{% endif %}</td>
        <td class="mono nowrap">{{ organisation.siren|siren_display|default:"—" }}</td>
        <td>{% with e=organisation.main_establishment %}{% if e %}{{ e.city|default:"—" }}{% if e.departement_code %} <span class="muted">({{ e.departement_code }})</span>{% endif %}{% if organisation.site_count > 1 %}<br><span class="muted small">{% blocktranslate count n=organisation.site_count %}{{ n }} établissement{% plural %}{{ n }} établissements{% endblocktranslate %}</span>{% endif %}{% else %}—{% endif %}{% endwith %}</td>
        <td><div class="tags">{% for m in organisation.list_memberships %}<span class="badge badge--{{ m.status }}" title="{{ m.status_label }}">{{ m.association_label }}</span>{% empty %}<span class="muted">{% translate "non adhérente" %}</span>{% endfor %}</div></td>
        <td class="nowrap">{{ organisation.member_since|date:"F Y"|default:"—" }}</td>
      </tr>
    {% endfor %}"""

PERSON_LOOP = """{% load i18n registry_tags %}\
{% for person in page.object_list %}
    <tr>
      <td><input type="checkbox" name="personne" value="{{ person.pk }}" id="personne-{{ person.pk }}" aria-label="{% blocktranslate with first=person.first_name last=person.last_name %}Sélectionner {{ first }} {{ last }}{% endblocktranslate %}"></td>
      <td><a href="{% url 'registry:person_detail' person.pk %}">{{ person.last_name|upper }} {{ person.first_name }}</a></td>
      <td>{{ person.email|default:"—" }}</td>
      <td class="nowrap">{{ person.phone|default:"—" }}</td>
      <td class="small">{% for role in person.visible_roles %}<a href="{% url 'registry:organisation_detail' role.organisation_id %}">{{ role.organisation.name }}</a> <span class="muted">({{ role.get_kind_display }})</span>{% if not forloop.last %}<br>{% endif %}{% empty %}—{% endfor %}</td>
    </tr>
  {% endfor %}"""

MEMBERSHIP_LOOP = """{% load i18n registry_tags %}\
{% for m in page.object_list %}
    <tr>
      <td><input type="checkbox" name="adhesion" value="{{ m.pk }}" id="adhesion-{{ m.pk }}" aria-label="{% blocktranslate with name=m.organisation.name association=m.association.name %}Sélectionner l'adhésion de {{ name }} à {{ association }}{% endblocktranslate %}"></td>
      <td><a href="{% url 'registry:organisation_detail' m.organisation_id %}">{{ m.organisation.name }}</a>{% if m.organisation.siren %}<br><span class="muted small mono">{{ m.organisation.siren|siren_display }}</span>{% endif %}</td>
      <td>{{ m.association.name }}</td>
      <td><span class="badge badge--{{ m.status }}">{{ m.get_status_display }}</span></td>
      <td class="nowrap">{{ m.starts_on|date|default:"—" }}{% if m.ends_on %}<br><span class="muted small">→ {{ m.ends_on|date }}</span>{% endif %}</td>
      <td>{{ m.origin.name|default:"—" }}</td>
      <td class="small">{{ m.category|default:"—" }}{% if m.college %}<br><span class="muted">{{ m.college }}</span>{% endif %}</td>
      <td class="num nowrap">{% if m.annual_fee is not None %}{{ m.annual_fee|floatformat:"2g" }} €{% else %}—{% endif %}</td>
    </tr>
  {% endfor %}"""


def _template(loop: str, objects: list) -> str:
    return Template(loop).render(Context({"page": {"object_list": objects}}))


@pytest.fixture
def organisations(registry) -> list[Organisation]:
    """Every shape of row: markup in a name, a start-up with a NAF code, no SIREN, no site, a site without a
    city or département, several sites, memberships with and without a short name, none, no start date."""
    numelink, rhonealley = registry.numelink, registry.rhonealley
    made = []
    for n, (name, startup, naf, sites, memberships) in enumerate(
        [
            (
                'Les "Ateliers" <b>&</b> Cie',
                True,
                "62.01Z",
                [("Valence", "26"), ("Privas", "07")],
                [numelink],
            ),
            ("Sans SIREN ni site", False, "", [], []),
            ("Site sans ville", False, "58.29C", [("", "")], [numelink, rhonealley]),
            ("Trois sites", False, "", [("Lyon", "69"), ("Annecy", "74"), ("", "")], [rhonealley]),
            ("Adhésion sans date", True, "99.99Z", [("Saint-Étienne", "42")], ["undated"]),
        ]
    ):
        siren = complete_siren(f"81{n:06d}") if n != 1 else ""
        organisation = Organisation.objects.create(name=name, siren=siren, is_startup=startup, naf_code=naf)
        for index, (city, code) in enumerate(sites):
            Establishment.objects.create(
                organisation=organisation, city=city, departement_code=code, is_head_office=index == 0
            )
        for index, association in enumerate(memberships):
            Membership.objects.create(
                organisation=organisation,
                association=numelink if association == "undated" else association,
                status=Membership.Status.PENDING if index else Membership.Status.ACTIVE,
                starts_on=None if association == "undated" else datetime.date(2019 + index, 3 + index, 1),
            )
        made.append(organisation)
    rhonealley.short_name = ""  # the badge falls back to the name
    rhonealley.save()
    numelink.short_name = "N&L"
    numelink.save()
    return selectors.with_list_relations(list(Organisation.objects.filter(pk__in=[o.pk for o in made])))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_organisation_rows_are_the_templates_markup(organisations, language: str) -> None:
    with translation.override(language):
        written = rows.organisation_rows(organisations)
        assert written == _template(ORGANISATION_LOOP, organisations)
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in written and "<b>" not in written  # a name's markup is text
    assert "N&amp;L" in written


@pytest.mark.django_db
def test_organisation_list_page_shows_the_rows(hq_client, organisations) -> None:
    """The page puts the rows where the loop was, each linking to its organisation."""
    page = hq_client.get("/organisations/", {"q": "Trois sites"}).content.decode()
    assert '<tbody>\n    \n      <tr>\n        <td><input type="checkbox" name="org"' in page
    three = next(o for o in organisations if o.name == "Trois sites")
    assert f'href="/organisations/{three.pk}/">Trois sites</a>' in page
    assert "3 établissements" in page


def test_an_empty_page_writes_no_row() -> None:
    assert rows.organisation_rows([]) == ""


def test_text_writes_what_a_template_variable_writes() -> None:
    for value in ["<a>", 1234567, Decimal("12.50"), None, datetime.date(2024, 2, 1)]:
        assert rows.text(value) == Template("{{ v }}").render(Context({"v": value}))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_person_rows_are_the_templates_markup(registry, hq_user, language: str) -> None:
    """The small registry's people, plus one with markup in the name, no e-mail, no phone and no role, and one
    with several roles of different kinds."""
    Person.objects.create(first_name="<Zoé>", last_name="d'Aubigné & fils")
    several = Person.objects.create(first_name="Léa", last_name="Martin", email="lea@example.org", phone="04")
    Role.objects.create(person=several, organisation=registry.multisite, kind=Role.Kind.CONTACT)
    Role.objects.create(person=several, organisation=registry.ardeche_data, kind=Role.Kind.REPRESENTATIVE)
    people = selectors.with_person_roles(hq_user, list(Person.objects.order_by("pk")))
    with translation.override(language):
        written = rows.person_rows(people)
        assert written == _template(PERSON_LOOP, people)
    assert "D&#x27;AUBIGNÉ &amp; FILS &lt;Zoé&gt;" in written
    assert written.count("<br>") >= 1  # the roles of one person, one a line


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_membership_rows_are_the_templates_markup(registry, hq_user, language: str) -> None:
    """The small registry's memberships (fees, origins), plus an ended one with a type, a college, a fee in
    thousands and an organisation without SIREN whose name holds markup."""
    college = College.objects.create(association=registry.numelink, name="Collège <B>")
    kind = MembershipType.objects.create(association=registry.numelink, name="Membre & associé")
    bare = Organisation.objects.create(name="<Sans> SIREN")
    Membership.objects.create(
        organisation=bare,
        association=registry.numelink,
        status=Membership.Status.ENDED,
        starts_on=datetime.date(2018, 1, 15),
        ends_on=datetime.date(2024, 12, 31),
        membership_type=kind,
        college=college,
        annual_fee=Decimal("1234.5"),
    )
    Membership.objects.create(
        organisation=bare, association=registry.rhonealley, status=Membership.Status.UNKNOWN
    )
    memberships = list(selectors.search_memberships(hq_user, selectors.MembershipFilters()))
    assert len(memberships) >= 4
    with translation.override(language):
        written = rows.membership_rows(memberships)
        assert written == _template(MEMBERSHIP_LOOP, memberships)
    assert "Collège &lt;B&gt;" in written and "Membre &amp; associé" in written


# An organisation's provenance, as the two loops were in organisation_detail.html (their surroundings included).
VERBATIM_LOOP = """<tbody>{% for header, value in item.cells %}<tr><th scope="row">{{ header }}</th><td>{{ value }}</td></tr>{% endfor %}</tbody>"""
LINEAGE_LOOP = """{% load i18n %}      <tbody>
      {% for entry in item.lineage %}
        <tr>
          <td>{{ entry.field }}{% if entry.target_label %}<br><span class="muted small">{{ entry.target_label }}</span>{% endif %}{% if entry.column %}<br><span class="muted small">{% blocktranslate with column=entry.column %}colonne « {{ column }} »{% endblocktranslate %}</span>{% endif %}</td>
          <td class="mono">{{ entry.value|default:"—" }}</td>
          <td>{% if entry.retained %}<span class="badge badge--kept">{% translate "retenue" %}</span>{% else %}<span class="badge badge--dropped">{% translate "non retenue" %}</span>{% endif %}</td>
        </tr>
      {% empty %}
        <tr><td colspan="3" class="muted">{% translate "Aucune valeur enregistrée depuis cette ligne." %}</td></tr>
      {% endfor %}
      </tbody>"""
LINEAGE_TAG = """{% load registry_tags %}      <tbody>
      {% lineage_rows item.lineage %}
      </tbody>"""
VERBATIM_TAG = """{% load registry_tags %}<tbody>{% verbatim_rows item.cells %}</tbody>"""

ENTRIES = [
    selectors.LineageEntry(
        "raison sociale", "Raison sociale", "Drôme <Logiciels> & Cie", True, "Organisation"
    ),
    selectors.LineageEntry("ville", "", "", False, ""),  # no column, no value, not retained
    selectors.LineageEntry("e-mail", 'Mail "contact"', "a@b.fr", False, "Établissement 12345678900011"),
    selectors.LineageEntry("<b>champ</b>", "Col & 'x'", "0", True, "Rôle — DUPONT <Jean>"),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("entries", [ENTRIES, []], ids=["entries", "none"])
def test_lineage_rows_are_the_templates_markup(language: str, entries: list) -> None:
    item = {"lineage": entries}
    with translation.override(language):
        written = Template(LINEAGE_TAG).render(Context({"item": item}))
        assert written == Template(LINEAGE_LOOP).render(Context({"item": item}))
    assert ("&lt;Logiciels&gt; &amp; Cie" in written) == bool(entries)


@pytest.mark.parametrize(
    "cells",
    [
        [
            ("Raison sociale", "Drôme <Logiciels>"),
            ("CP", ""),
            ("Tél. & fax", "04 75 00 00 00"),
            ("#4", "'x'"),
        ],
        [],
    ],
    ids=["cells", "none"],
)
def test_verbatim_rows_are_the_templates_markup(cells: list) -> None:
    item = {"cells": cells}
    assert Template(VERBATIM_TAG).render(Context({"item": item})) == Template(VERBATIM_LOOP).render(
        Context({"item": item})
    )
