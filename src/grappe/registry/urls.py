from django.urls import path

from grappe.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
]
