"""The form renderer: Django's, with its ``<select>`` drawn in Python.

Django draws a ``<select>`` with a template that includes one template per option and another per option's
attributes: the département filter (101 options) and the other filters of the organisation list made up a
third of the page's time under load (profiled in benchmarks/load/). Rendering the same markup here, character
for character (``tests/core/test_forms_renderer.py`` compares both on every kind of select), keeps every form
of the project as it was and takes the template engine out of the loop. A select whose template someone
overrides goes through the templates as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# What ``{{ field.errors }}`` renders, even when there is no error: both write nothing for an empty list.
DJANGO_FORMS = str(Path(forms.__file__).parent)
ERROR_LIST_TEMPLATES = ("django/forms/errors/list/default.html", "django/forms/errors/list/ul.html")


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: ``False`` leaves the attribute out, ``True`` writes its bare name."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(value)}"')
    return "".join(parts)


def _text(value: Any) -> str:
    """What ``{{ value }}`` writes: localized when it is not text, escaped unless already safe."""
    return str(conditional_escape(value if isinstance(value, str) else localize(value)))


def render_select(widget: dict[str, Any]) -> str:
    """``django/forms/widgets/select.html`` and ``select_option.html``, as the templates write them."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"  # the option's template file ends with a newline
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _plain_select(template_name: str, context: dict[str, Any]) -> bool:
    widget = context.get("widget")
    if template_name != SELECT_TEMPLATE or not isinstance(widget, dict):
        return False
    return all(
        option.get("template_name") == OPTION_TEMPLATE
        for _name, choices, _index in widget.get("optgroups", ())
        for option in choices
    )


class FormRenderer(DjangoTemplates):
    """``FORM_RENDERER``: Django's default renderer, selects and empty error lists aside."""

    @cached_property
    def _error_lists_are_djangos(self) -> bool:
        """Django's error-list templates write nothing for no error; a project's own version might."""
        return all(
            str(self.get_template(name).origin.name).startswith(DJANGO_FORMS) for name in ERROR_LIST_TEMPLATES
        )

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if _plain_select(template_name, context):
            return render_select(context["widget"])
        if (
            template_name in ERROR_LIST_TEMPLATES
            and not context.get("errors")
            and self._error_lists_are_djangos
        ):
            return ""  # a filter form's eight fields without errors: sixteen templates rendered for nothing
        return super().render(template_name, context, request=request)


class FetchedChoiceIterator(ModelChoiceIterator):
    """Django's choices of a model, read with one plain query rather than ``QuerySet.iterator()``: on PostgreSQL
    that opens a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three round trips, and the rows
    materialized at commit) for lists of a few rows, on every filter form of every list page."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class SmallModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` over a short list (associations, territories, tags): see ``FetchedChoiceIterator``."""

    iterator = FetchedChoiceIterator
