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
from grappe.registry.models import Establishment, Membership, Organisation

ORGANISATION_LOOP = """{% load i18n humanize registry_tags %}\
{% for organisation in page.object_list %}
      <tr>
        <td><input type="checkbox" name="org" value="{{ organisation.pk }}" id="org-{{ organisation.pk }}" aria-label="{% blocktranslate with name=organisation.name %}Sélectionner {{ name }}{% endblocktranslate %}"></td>
        <td><a href="{% url 'registry:organisation_detail' organisation.pk %}">{{ organisation.name }}</a>
          {% if organisation.is_startup %}<span class="badge badge--startup">{% translate "start-up" %}</span>{% endif %}
          {% if organisation.naf_code %}<br><span class="muted small">{{ organisation.naf_code }} {{ organisation.naf_code|naf_label }}</span>{% endif %}</td>
        <td class="mono nowrap">{{ organisation.siren|siren_display|default:"—" }}</td>
        <td>{% with e=organisation.main_establishment %}{% if e %}{{ e.city|default:"—" }}{% if e.departement_code %} <span class="muted">({{ e.departement_code }})</span>{% endif %}{% if organisation.list_establishments|length > 1 %}<br><span class="muted small">{% blocktranslate count n=organisation.list_establishments|length %}{{ n }} établissement{% plural %}{{ n }} établissements{% endblocktranslate %}</span>{% endif %}{% else %}—{% endif %}{% endwith %}</td>
        <td><div class="tags">{% for m in organisation.list_memberships %}<span class="badge badge--{{ m.status }}" title="{{ m.get_status_display }}">{{ m.association.short_name|default:m.association.name }}</span>{% empty %}<span class="muted">{% translate "non adhérente" %}</span>{% endfor %}</div></td>
        <td class="nowrap">{{ organisation.member_since|date:"F Y"|default:"—" }}</td>
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
