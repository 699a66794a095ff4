from django.urls import path

from grappe.mergers import views

app_name = "mergers"
urlpatterns = [
    path("", views.merger_list, name="list"),
    path("doublons/", views.deduplicate, name="deduplicate"),
    path("plans/<int:job_id>/", views.plan_job, name="plan_job"),
    path("plans/<int:job_id>/correspondance/", views.plan_mapping, name="plan_mapping"),
    path("plans/<int:job_id>/progression/", views.plan_progress, name="plan_progress"),
    path("plans/<int:job_id>/relancer/", views.plan_restart, name="plan_restart"),
    path("operations/<int:job_id>/", views.action_job, name="action_job"),
    path("operations/<int:job_id>/progression/", views.action_progress, name="action_progress"),
    path("<int:merger_id>/", views.merger_detail, name="detail"),
    path("<int:merger_id>/recalculer/", views.recompute, name="recompute"),
    path("<int:merger_id>/types-adhesion/", views.membership_mapping, name="mapping"),
    path("<int:merger_id>/revue/", views.review, name="review"),
    path("<int:merger_id>/revue/<int:pair_id>/decision/", views.decide, name="decide"),
    path("<int:merger_id>/revue/acceptation-groupee/", views.accept_above, name="accept_above"),
    path("<int:merger_id>/decisions.csv", views.decisions_csv, name="decisions_csv"),
    path("<int:merger_id>/revue/import-decisions/", views.import_decisions, name="import_decisions"),
    path("<int:merger_id>/appliquer/", views.apply, name="apply"),
    path("<int:merger_id>/annuler/", views.undo, name="undo"),
    path("<int:merger_id>/abandonner/", views.abandon, name="abandon"),
    path("<int:merger_id>/rapport/", views.report, name="report"),
    path("<int:merger_id>/rapport/preparer/", views.report_prepare, name="report_prepare"),
    path("<int:merger_id>/rapport.csv", views.report_csv, name="report_csv"),
    path("<int:merger_id>/rapport.pdf", views.report_pdf, name="report_pdf"),
]
