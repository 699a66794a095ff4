"""Staff pages of finance: thin views over ``selectors`` (visibility) and ``documents`` (issuing)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from grappe.core.access import (
    can_reconcile,
    can_send_reminders,
    reconciliation_view,
    reminders_view,
    staff_view,
)
from grappe.core.uploads import check_upload_size, upload_on_disk
from grappe.errors import UserError
from grappe.finance import documents, reconciliation, reminders, selectors
from grappe.finance.forms import DueFilterForm, LineDecisionForm, ReturnDecisionForm, StatementUploadForm
from grappe.finance.models import BankLine, BankStatement, Due
from grappe.registry.selectors import has_registry_access, restrict

RETURNS_SHOWN = 20  # waiting returns shown at once: each lists the credits it may give back
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
        "sort": selectors.due_sort_param(form.sort()),
        "totals": selectors.due_totals(dues),
        "can_invoice": _can_invoice(request.user),
        "can_remind": can_send_reminders(request.user),
        "can_reconcile": can_reconcile(request.user),
    }
    if request.htmx and request.htmx.target == "results":
        context["results_only"] = True  # the block updates the form's sort (registry/_sort_field.html)
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


@require_POST
@reminders_view()
def send_reminders(request: HttpRequest) -> HttpResponse:
    """The dues page's action: remind the overdue dues the user sees (their territory's, for a permanent)."""
    run = reminders.send_reminders(
        dues=restrict(request.user, Due.objects.all()), on=timezone.localdate(), user=request.user
    )
    messages.success(
        request,
        gettext("%(sent)d relance(s) envoyée(s), %(already)d déjà envoyée(s) à ce niveau.")
        % {"sent": run.sent, "already": run.already_sent},
    )
    if run.without_address:
        messages.warning(
            request,
            gettext("Sans adresse e-mail (contact facturation ou e-mail de l'organisation) : %(names)s.")
            % {"names": ", ".join(sorted(set(run.without_address))[:20])},
        )
    if run.failed:
        messages.error(
            request, gettext("Envoi impossible : %(names)s.") % {"names": "; ".join(run.failed[:5])}
        )
    return redirect("finance:due_list")


@reconciliation_view()
def statement_list(request: HttpRequest) -> HttpResponse:
    form = StatementUploadForm(request.user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_upload_size(upload)
            with upload_on_disk(upload) as path:
                outcome = reconciliation.import_statement(
                    association=form.cleaned_data["association"],
                    path=path,
                    file_name=upload.name or "releve",
                    user=request.user,
                )
        except UserError as error:
            form.add_error("file", str(error))
        else:
            if outcome.already_imported:
                messages.info(request, gettext("Ce relevé a déjà été importé : rien n'a changé."))
            else:
                messages.success(
                    request,
                    gettext(
                        "%(new)d ligne(s) importée(s) (%(known)d déjà connue(s)) : %(matched)d paiement(s) "
                        "rapproché(s), %(queued)d à rapprocher, %(returned)d paiement(s) rejeté(s) par la banque "
                        "(cotisations de nouveau dues)."
                    )
                    % {
                        "new": outcome.new_lines,
                        "known": outcome.known_lines,
                        "matched": outcome.matched,
                        "queued": outcome.queued,
                        "returned": outcome.returned,
                    },
                )
            return redirect("finance:queue")
    statements = BankStatement.objects.select_related("association", "imported_by")[:20]
    return render(request, "finance/statements.html", {"form": form, "statements": statements})


@reconciliation_view()
def reconciliation_queue(request: HttpRequest) -> HttpResponse:
    lines = BankLine.objects.filter(status=BankLine.Status.QUEUED).select_related("association", "statement")
    page = Paginator(lines.order_by("booked_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = reconciliation.queue_rows(page.object_list)
    waiting = reconciliation.unmatched_returns().select_related("association", "statement")
    returns = list(waiting.order_by("booked_on", "pk")[:RETURNS_SHOWN])
    candidates = reconciliation.return_candidates(returns)
    context = {
        "page": page,
        "rows": rows,
        "returns": [(line, candidates[line.pk]) for line in returns],
        "returns_count": waiting.count() if len(returns) == RETURNS_SHOWN else len(returns),
    }
    return render(request, "finance/queue.html", context)


@require_POST
@reconciliation_view()
def decide_return(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(BankLine, pk=pk)
    form = ReturnDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choisissez une action pour cette ligne."))
        return redirect("finance:queue")
    data = form.cleaned_data
    try:
        if data["action"] == "tie":
            original = BankLine.objects.filter(pk=data["original"] or 0).first()
            if original is None:
                raise UserError(gettext("Choisissez le virement que ce rejet rend."))
            reconciliation.tie_return(line=line, original=original, user=request.user)
            messages.success(request, gettext("Rejet rattaché : %(line)s.") % {"line": line})
            voided = selectors.cancellations_of_return(line)
            if voided:
                messages.info(
                    request,
                    ngettext(
                        "Le reçu %(numbers)s est annulé : %(cancellations)s.",
                        "Les reçus %(numbers)s sont annulés : %(cancellations)s.",
                        len(voided),
                    )
                    % {
                        "numbers": ", ".join(d.cancels.number for d in voided),
                        "cancellations": ", ".join(d.number for d in voided),
                    },
                )
        else:
            reconciliation.dismiss_return(line=line, reason=data["reason"] or "", user=request.user)
            messages.success(request, gettext("Rejet classé : %(line)s.") % {"line": line})
    except UserError as error:
        messages.error(request, str(error))
    return redirect("finance:queue")


@require_POST
@reconciliation_view()
def decide_line(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(BankLine, pk=pk)
    form = LineDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choisissez une action pour cette ligne."))
        return redirect("finance:queue")
    action, data = form.cleaned_data["action"], form.cleaned_data
    try:
        if action == "reject":
            reconciliation.reject_line(line=line, reason=data["reason"] or "", user=request.user)
            messages.success(request, gettext("Ligne écartée : %(line)s.") % {"line": line})
        else:
            due = None
            if action == "choose":
                due = Due.objects.filter(pk=data["due"] or 0).first()
                if due is None:
                    raise UserError(gettext("Choisissez la cotisation que cette ligne règle."))
            reconciliation.confirm_line(line=line, due=due, reason=data["reason"] or "", user=request.user)
            messages.success(request, gettext("Paiement enregistré : %(line)s.") % {"line": line})
    except UserError as error:
        messages.error(request, str(error))
    return redirect("finance:queue")
