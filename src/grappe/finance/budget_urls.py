from django.urls import path

from grappe.finance import budget_views as views

app_name = "budgets"
urlpatterns = [
    path("", views.budget_list, name="list"),
    path("<int:pk>/", views.budget_detail, name="detail"),
    path("<int:pk>/budget.csv", views.budget_csv, name="export_csv"),
    path("<int:pk>/budget.xlsx", views.budget_xlsx, name="export_xlsx"),
    path("<int:pk>/realises/", views.actual_list, name="actuals"),
    path("<int:pk>/realises/nouveau/", views.actual_create, name="actual_create"),
    path("<int:pk>/realises/import/", views.actual_import, name="actual_import"),
    path("realises/<int:pk>/modifier/", views.actual_edit, name="actual_edit"),
    path("realises/<int:pk>/supprimer/", views.actual_delete, name="actual_delete"),
    path("plans/<int:pk>/", views.action_plan_detail, name="action_plan"),
    path("adhesions-du-reseau/", views.affiliation_list, name="affiliations"),
]
