from django.urls import path

from grappe.finance import views

app_name = "finance"
urlpatterns = [
    path("", views.due_list, name="due_list"),
    path("<int:pk>/facture/", views.issue_invoice, name="issue_invoice"),
    path("documents/<int:pk>.pdf", views.document_pdf, name="document_pdf"),
    path("relances/", views.send_reminders, name="send_reminders"),
    path("releves/", views.statement_list, name="statements"),
    path("rapprochement/", views.reconciliation_queue, name="queue"),
    path("rapprochement/<int:pk>/", views.decide_line, name="decide_line"),
    path("rapprochement/rejets/<int:pk>/", views.decide_return, name="decide_return"),
]
