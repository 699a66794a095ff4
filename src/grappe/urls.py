from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("langue/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("imports/", include("grappe.intake.urls")),
    path("fusions/", include("grappe.mergers.urls")),
    path("gouvernance/", include("grappe.governance.urls")),  # issue 11: statutes, bodies, mandates, seats
    path("cotisations/", include("grappe.finance.urls")),  # finance: dues page, invoices (issue 12)
    path("budgets/", include("grappe.finance.budget_urls")),  # finance: budgets, action plans (issue 12)
    path("start-up/", include("grappe.startups.urls")),  # start-up sourcing (issue 12)
    path("", include("grappe.registry.urls")),
]

# A busy database met outside a view (the session saved on the way out) gets the 503 page too.
handler500 = "grappe.middleware.server_error"
