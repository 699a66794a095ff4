from django.urls import path

from grappe.startups import views

app_name = "startups"
urlpatterns = [
    path("", views.board, name="board"),
    path("nouveau/", views.project_create, name="project_create"),
    path("echeances/", views.deadline_list, name="deadlines"),
    path("bilan/", views.report, name="report"),
    path("bilan.csv", views.report_csv, name="report_csv"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/etape/", views.move, name="move"),
    path("<int:pk>/dossier/", views.application_create, name="application_create"),
    path("<int:pk>/modifier/", views.project_edit, name="project_edit"),
    path("<int:pk>/fondateurs/", views.founder_add, name="founder_add"),
    path("<int:pk>/fondateurs/retirer/", views.founder_remove, name="founder_remove"),
    path("<int:pk>/dossier/<int:application>/", views.application_edit, name="application_edit"),
    path("<int:pk>/adhesion/", views.convert, name="convert"),
]
