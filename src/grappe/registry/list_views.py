"""Actions on the registry lists (issue 10): saved filters on every list, bulk actions on the organisations.

Thin views over ``saved_filters`` and ``bulk``: a refusal comes back as a message on the list, with its search
as it was, and nothing changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.errors import UserError
from grappe.registry import saved_filters
from grappe.registry.views import staff_required


@require_POST
@staff_required
def filter_save(request: HttpRequest) -> HttpResponse:
    """« Enregistrer ce filtre »: the list's query string under a name, then back to the list as it was."""
    list_name = request.POST.get("liste", "")
    query = request.POST.get("requete", "")
    try:
        saved = saved_filters.save_filter(
            user=request.user,
            list_name=list_name,
            name=request.POST.get("nom", ""),
            query=query,
            shared=request.POST.get("partage") == "oui",
        )
    except UserError as error:
        messages.error(request, str(error))
        return redirect(
            saved_filters.list_url(list_name, query if list_name in saved_filters.LIST_FORMS else "")
        )
    messages.success(request, _("Filtre « %(name)s » enregistré.") % {"name": saved.name})
    return redirect(saved_filters.list_url(saved.list_name, saved.query))


@require_POST
@staff_required
def filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = saved_filters.delete_filter(user=request.user, pk=pk)
    messages.success(request, _("Filtre « %(name)s » supprimé.") % {"name": saved.name})
    return redirect(saved_filters.list_url(saved.list_name, request.POST.get("requete", "")))
