from django.urls import path

from . import views

app_name = "api-v1"
urlpatterns = [
    path("status/", views.StatusView.as_view(), name="status"),
]
