from django.urls import path

from grappe.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("organes/<int:pk>/", views.body_detail, name="body_detail"),
    path("territoires/<int:pk>/", views.territory_detail, name="territory_detail"),
    path("statuts/<int:pk>/", views.statutes_detail, name="statutes_detail"),
    path("statuts/<int:pk>/nouvelle-version/", views.statutes_edit, name="statutes_edit"),
    path("statuts/<int:pk>/comparer/", views.statutes_diff, name="statutes_diff"),
    path("fusions/<int:pk>/sieges/", views.merger_seats, name="merger_seats"),
    path("fusions/<int:pk>/procedure/", views.merger_procedure, name="merger_procedure"),
    path("procedures/etapes/<int:pk>/document/", views.procedure_document, name="procedure_document"),
]
