from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("terkirim/", views.sent, name="sent"),
    path("konfirmasi/<str:token>/", views.confirm, name="confirm"),
    path("berhenti/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
