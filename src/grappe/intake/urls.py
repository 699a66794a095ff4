from django.urls import path

from grappe.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/correspondance/", views.mapping, name="mapping"),
    path("<int:job_id>/rapport/", views.report, name="report"),
    path("<int:job_id>/rapport.csv", views.report_csv, name="report_csv"),
    path("<int:job_id>/importer/", views.run, name="run"),
    path("<int:job_id>/corriger/", views.correct, name="correct"),
    path("<int:job_id>/progression/", views.progress, name="progress"),
]
