from django.urls import path

from . import views

app_name = "simulator"
urlpatterns = [
    path("pdn/health", views.pdn_health, name="pdn-health"),
]
