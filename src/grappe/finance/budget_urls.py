from django.urls import path

from grappe.finance import budget_views as views

app_name = "budgets"
urlpatterns = [
    path("", views.budget_list, name="list"),
    path("<int:pk>/", views.budget_detail, name="detail"),
    path("<int:pk>/budget.csv", views.budget_csv, name="export_csv"),
    path("<int:pk>/budget.xlsx", views.budget_xlsx, name="export_xlsx"),
    path("plans/<int:pk>/", views.action_plan_detail, name="action_plan"),
    path("adhesions-du-reseau/", views.affiliation_list, name="affiliations"),
]
