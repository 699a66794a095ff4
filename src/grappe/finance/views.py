"""Staff pages of finance: thin views over ``selectors`` (visibility) and ``documents`` (issuing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from grappe.core.access import staff_view
from grappe.errors import UserError
from grappe.finance import documents, selectors
from grappe.finance.forms import DueFilterForm
from grappe.registry.selectors import has_registry_access

PAGE_SIZE = 50

staff_required = staff_view(capability=has_registry_access, denied=_("Accès réservé aux salariés du réseau."))


def _can_invoice(user: object) -> bool:
    return has_registry_access(user) and user.has_perm("finance.add_document")  # type: ignore[attr-defined]


invoicing_required = staff_view(
    capability=_can_invoice, denied=_("L'émission des factures est réservée à la comptabilité du réseau.")
)


@staff_required
def due_list(request: HttpRequest) -> HttpResponse:
    form = DueFilterForm(request.user, request.GET)
    dues = selectors.search_dues(request.user, form.filters())
    page = Paginator(dues, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "totals": selectors.due_totals(dues),
        "can_invoice": _can_invoice(request.user),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "finance/_due_results.html", context)
    return render(request, "finance/due_list.html", context)


@require_POST
@invoicing_required
def issue_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    due = selectors.due_for(request.user, pk)
    try:
        issued = documents.issue_invoice(due=due, user=request.user)
    except UserError as error:
        messages.error(request, str(error))
        return redirect("finance:due_list")
    return redirect("finance:document_pdf", pk=issued.document.pk)


@staff_required
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_for(request.user, pk)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.number}.pdf"'
    return response
