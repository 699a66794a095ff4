"""The project's form renderer writes every select exactly as Django's templates do, only faster."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from grappe.core.forms import FormRenderer

DJANGO = DjangoTemplates()
OURS = FormRenderer()


class _CustomOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


class _Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Tous"), ("a", "Un"), ("b", "Deux")], required=False)
    grouped = forms.ChoiceField(
        choices=[("Loire", [("42", "Loire « 42 »"), ("43", "Haute-Loire")]), ("x", "Hors groupe")]
    )
    several = forms.MultipleChoiceField(choices=[("1", "un"), ("2", "deux"), ("3", "trois")], required=False)
    yes_no = forms.NullBooleanField()
    numbers = forms.TypedChoiceField(
        choices=[(1, 1234567), (2, Decimal("3.5")), (3, datetime.date(2016, 3, 1))], coerce=int
    )
    hostile = forms.ChoiceField(
        choices=[('"><script>x</script>', "<b>&amp;</b>"), ("safe", mark_safe("<em>déjà sûr</em>"))],
        widget=forms.Select(
            attrs={"class": 'a"b', "data-x": True, "data-off": False, "aria-label": "<choix>"}
        ),
    )
    overridden = forms.ChoiceField(choices=[("a", "A")], widget=_CustomOption)
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


DATA = {
    "plain": "b",
    "grouped": "43",
    "several": ["1", "3"],
    "yes_no": "true",
    "numbers": "2",
    "hostile": '"><script>x</script>',
}


def test_the_project_renders_forms_with_it() -> None:
    assert settings.FORM_RENDERER == "grappe.core.forms.FormRenderer"
    assert isinstance(_Everything()["plain"].form.renderer, FormRenderer)


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "unbound"])
@pytest.mark.parametrize("name", list(_Everything.base_fields))
def test_each_widget_is_written_as_django_writes_it(name: str, bound: bool) -> None:
    data = DATA if bound else None
    ours = _Everything(data, renderer=OURS)[name].as_widget()
    theirs = _Everything(data, renderer=DJANGO)[name].as_widget()
    assert ours == theirs


def test_text_is_escaped_in_values_labels_and_attributes() -> None:
    html = _Everything(DATA, renderer=OURS)["hostile"].as_widget()
    assert "<script>" not in html and "<b>" not in html
    assert 'class="a&quot;b"' in html and " data-x" in html and "data-off" not in html
    assert "<em>déjà sûr</em>" in html  # text already marked safe stays as it is, as in a template


@hypothesis_settings(deadline=None)  # markup, not speed: a busy machine must not fail it
@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.text(max_size=12)),
        min_size=1,
        max_size=8,
        unique_by=lambda c: c[0],
    ),
    st.data(),
)
def test_any_choices_give_the_same_markup(choices: list[tuple[str, str]], data: st.DataObject) -> None:
    selected = data.draw(st.sampled_from([value for value, _label in choices]))

    class Form(forms.Form):
        field = forms.ChoiceField(choices=choices)

    assert Form({"field": selected}, renderer=OURS)["field"].as_widget() == (
        Form({"field": selected}, renderer=DJANGO)["field"].as_widget()
    )


@pytest.mark.parametrize("data", [{"plain": "z"}, {}], ids=["an error", "no error"])
def test_error_lists_are_written_as_django_writes_them(data: dict[str, str]) -> None:
    """An empty error list writes nothing without its templates; one with errors goes through them."""
    ours = _Everything(data, renderer=OURS)
    theirs = _Everything(data, renderer=DJANGO)
    for name in ("plain", "grouped"):
        assert str(ours[name].errors) == str(theirs[name].errors)
        assert str(ours.errors.get(name, ours.error_class(renderer=OURS))) == str(
            theirs.errors.get(name, theirs.error_class(renderer=DJANGO))
        )
    assert ours["plain"].errors.as_ul() == theirs["plain"].errors.as_ul()
    assert ("<li>" in str(ours["plain"].errors)) is bool(data)


def test_an_error_list_template_of_ones_own_is_rendered_even_without_error(tmp_path) -> None:
    """A project that writes its own error list (something even for no error) gets it: the shortcut holds for
    Django's templates only."""
    own = tmp_path / "django" / "forms" / "errors" / "list"
    own.mkdir(parents=True)
    (own / "ul.html").write_text("{% if not errors %}<p>Aucune erreur</p>{% endif %}", encoding="utf-8")

    class Overridden(FormRenderer):
        @cached_property
        def engine(self):  # Django's own engine for form templates, with a project directory first
            dirs = [tmp_path, Path(forms.__file__).parent / "templates"]
            return self.backend({"APP_DIRS": True, "DIRS": dirs, "NAME": "djangoforms", "OPTIONS": {}})

    assert str(_Everything({}, renderer=Overridden())["plain"].errors) == "<p>Aucune erreur</p>"
