from django.urls import path

from grappe.registry import edit_views, list_views, tag_views, views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/export.csv", views.organisation_export, name="organisation_export"),
    path(
        "organisations/selection/",
        list_views.bulk_action,
        {"list_name": "organisations"},
        name="organisation_bulk",
    ),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/historique/", views.history, {"kind": "organisation"}, name="history"),
    path(
        "etablissements/<int:pk>/historique/",
        views.history,
        {"kind": "etablissement"},
        name="establishment_history",
    ),
    path("personnes/<int:pk>/historique/", views.history, {"kind": "personne"}, name="person_history"),
    path("adhesions/<int:pk>/historique/", views.history, {"kind": "adhesion"}, name="membership_history"),
    path("personnes/", views.person_list, name="person_list"),
    path("personnes/export.csv", views.person_export, name="person_export"),
    path("personnes/selection/", list_views.bulk_action, {"list_name": "personnes"}, name="person_bulk"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("adhesions/", views.membership_list, name="membership_list"),
    path("adhesions/export.csv", views.membership_export, name="membership_export"),
    path("adhesions/selection/", list_views.bulk_action, {"list_name": "adhesions"}, name="membership_bulk"),
    path("filtres/enregistrer/", list_views.filter_save, name="filter_save"),
    path("filtres/<int:pk>/supprimer/", list_views.filter_delete, name="filter_delete"),
    path("etiquettes/", tag_views.tag_list, name="tag_list"),
    path("etiquettes/nouvelle/", tag_views.tag_create, name="tag_create"),
    path("etiquettes/<int:pk>/renommer/", tag_views.tag_rename, name="tag_rename"),
    path("etiquettes/<int:pk>/supprimer/", tag_views.tag_delete, name="tag_delete"),
    path("etiquettes/<int:pk>/fusionner/", tag_views.tag_merge, name="tag_merge"),
    path("associations/", views.association_list, name="association_list"),
    path("associations/<int:pk>/", views.association_detail, name="association_detail"),
    path("territoires/", views.territory_list, name="territory_list"),
    path("territoires/<int:pk>/", views.territory_detail, name="territory_detail"),
    path("implantations/", views.office_list, name="office_list"),
    # -- Editing and the member's life (issue 10): registry/edit_views.py ------------------------------------
    path("organisations/nouvelle/", edit_views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/modifier/", edit_views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/etablissements/nouveau/",
        edit_views.establishment_create,
        name="establishment_create",
    ),
    path("etablissements/<int:pk>/modifier/", edit_views.establishment_edit, name="establishment_edit"),
    path("organisations/<int:pk>/contacts/nouveau/", edit_views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/modifier/", edit_views.contact_edit, name="contact_edit"),
    path(
        "organisations/<int:pk>/adhesions/nouvelle/", edit_views.membership_create, name="membership_create"
    ),
    path("adhesions/<int:pk>/modifier/", edit_views.membership_edit, name="membership_edit"),
    path("organisations/<int:pk>/chronologie/", edit_views.organisation_timeline, name="timeline"),
    # -- end of editing ------------------------------------------------------------------------------------
]
