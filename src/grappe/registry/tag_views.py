"""Staff pages for an association's tags (issue 10): the list with counts, create, rename, delete, merge.

Thin views over ``registry.tags``: every staff member reads the list; the changes are head office's
(``tags.can_edit_tags``: 403 for the others, saying why). A refused name shows on its field, nothing saved; a
deletion or a merge is confirmed on a page with its count, refused if the count moved meanwhile.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from grappe.core.access import staff_view
from grappe.registry import selectors, tags
from grappe.registry.models import Association, Tag
from grappe.registry.views import staff_required

tag_edit_required = staff_view(
    capability=tags.can_edit_tags,
    denied=gettext_lazy(
        "Les étiquettes valent pour toute l'association : elles sont gérées par la direction et le siège, "
        "avec le droit de modifier le registre. Demandez-le à la direction du réseau."
    ),
)


class TagNameForm(forms.Form):
    # The length is checked by ``tags.check_name`` (its message says how many characters were typed).
    nom = forms.CharField(
        label=gettext_lazy("Nom de l'étiquette"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": tags.NAME_MAX}),
    )


class NewTagForm(TagNameForm):
    association = forms.ModelChoiceField(
        label=gettext_lazy("Association"), queryset=Association.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = selectors.visible_associations(user).order_by("name")  # type: ignore[attr-defined]
        self.order_fields(["association", "nom"])


def _association(user: Any, raw: str | None) -> Association | None:
    """The association asked for (``?association=``), else the user's own, else the first they see."""
    associations = selectors.visible_associations(user).order_by("name")
    if raw and raw.isdigit():
        chosen = associations.filter(pk=raw).first()
        if chosen is not None:
            return chosen
    staff_member = selectors.current_staff_member(user) if user.is_authenticated else None
    own = staff_member.association_id if staff_member is not None else None
    mine = associations.filter(pk=own).first() if own is not None else None
    return mine or associations.first()


def _list_url(tag: Tag | Association) -> str:
    association_id = tag.association_id if isinstance(tag, Tag) else tag.pk
    return reverse("registry:tag_list") + f"?association={association_id}"


def _refused(form: forms.Form, refusal: tags.TagRefused) -> None:
    form.add_error(refusal.field or None, f"{refusal.message} {refusal.hint}".strip())


@staff_required
def tag_list(request: HttpRequest) -> HttpResponse:
    association = _association(request.user, request.GET.get("association"))
    context = {
        "association": association,
        "associations": selectors.visible_associations(request.user).order_by("name"),
        "rows": tags.tags_of(request.user, association) if association else [],
        "can_edit": tags.can_edit_tags(request.user),
    }
    return render(request, "registry/tags/list.html", context)


@tag_edit_required
def tag_create(request: HttpRequest) -> HttpResponse:
    association = _association(
        request.user, request.GET.get("association") or request.POST.get("association")
    )
    form = NewTagForm(request.POST or None, user=request.user, initial={"association": association})
    if request.method == "POST" and form.is_valid():
        try:
            tag = tags.create_tag(
                user=request.user, association=form.cleaned_data["association"], name=form.cleaned_data["nom"]
            )
        except tags.TagRefused as refusal:
            _refused(form, refusal)
        else:
            messages.success(request, _("Étiquette « %(name)s » créée.") % {"name": tag.name})
            return redirect(_list_url(tag))
    context = {"form": form, "title": _("Nouvelle étiquette"), "association": association}
    return render(request, "registry/tags/form.html", context)


@tag_edit_required
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = tags.get_tag(request.user, pk)
    form = TagNameForm(request.POST or None, initial={"nom": tag.name})
    if request.method == "POST" and form.is_valid():
        old_name = tag.name
        try:
            tags.rename_tag(user=request.user, tag=tag, name=form.cleaned_data["nom"])
        except tags.TagRefused as refusal:
            tag.name = old_name
            _refused(form, refusal)
        else:
            messages.success(
                request, _("Étiquette « %(old)s » renommée « %(new)s ».") % {"old": old_name, "new": tag.name}
            )
            return redirect(_list_url(tag))
    context = {
        "form": form,
        "title": _("Renommer l'étiquette « %(name)s »") % {"name": tag.name},
        "association": tag.association,
        "tag": tag,
    }
    return render(request, "registry/tags/form.html", context)


@tag_edit_required
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = tags.get_tag(request.user, pk)
    confirmed = request.POST.get("confirmer", "")
    if request.method == "POST" and confirmed.isdigit():
        try:
            count = tags.delete_tag(user=request.user, tag=tag, expected=int(confirmed))
        except tags.TagRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(reverse("registry:tag_delete", args=[tag.pk]))
        messages.success(
            request,
            ngettext(
                "Étiquette « %(name)s » supprimée : %(n)d organisation la portait.",
                "Étiquette « %(name)s » supprimée : %(n)d organisations la portaient.",
                count,
            )
            % {"name": tag.name, "n": count},
        )
        return redirect(_list_url(tag))
    carriers = tags.carriers(tag)
    context = {"tag": tag, "count": carriers.count(), "shown": list(carriers[:50]), "back": _list_url(tag)}
    return render(request, "registry/tags/delete.html", context)


@tag_edit_required
def tag_merge(request: HttpRequest, pk: int) -> HttpResponse:
    tag = tags.get_tag(request.user, pk)
    others = sorted(
        Tag.objects.filter(association=tag.association).exclude(pk=tag.pk),
        key=lambda other: (tags.name_key(other.name), other.pk),
    )
    context: dict[str, Any] = {"tag": tag, "others": others, "back": _list_url(tag)}
    target_id = request.POST.get("cible", "")
    if request.method != "POST":
        return render(request, "registry/tags/merge.html", context)
    try:
        target = tags.merge_target(tag, target_id)
        confirmed = request.POST.get("confirmer", "")
        if confirmed.isdigit():
            gained = tags.merge_tags(user=request.user, tag=tag, target=target, expected=int(confirmed))
            messages.success(
                request,
                ngettext(
                    "« %(name)s » fondue dans « %(target)s » : %(n)d organisation a reçu « %(target)s ».",
                    "« %(name)s » fondue dans « %(target)s » : %(n)d organisations ont reçu « %(target)s ».",
                    gained,
                )
                % {"name": tag.name, "target": target.name, "n": gained},
            )
            return redirect(_list_url(target))
    except tags.TagRefused as refusal:
        return render(request, "registry/tags/merge.html", context | {"error": refusal})
    planned = tags.planned_merge(tag, target)
    context |= {
        "target": target,
        "count": tags.carriers(tag).count(),
        "planned_count": planned.count(),
        "shown": list(planned[:50]),
    }
    return render(request, "registry/tags/merge.html", context)
