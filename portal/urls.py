from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("simulator/", include("services.urls")),
]

if settings.BENCHMARK:  # `make bench` compares every endpoint with a bare view
    urlpatterns += [path("", include("bench.bare"))]
