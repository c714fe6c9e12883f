from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import views

handler404 = "portal.api.errors.handler404"  # JSON under /api/, the usual page elsewhere
handler500 = "portal.api.errors.handler500"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("wilayah/<slug:code>/", views.region_detail, name="region"),
    path("kantor/<slug:code>/", views.office_detail, name="office"),
    path("cari/", views.office_search, name="search"),
    path("pengumuman/<int:pk>/", views.advisory_detail, name="advisory"),
    path("bahasa/<str:lang>/", views.choose_language, name="choose-language"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api.urls")),
    path("feeds/", include("portal.feeds")),
    path("langganan/", include("notify.urls")),
    path("simulator/", include("services.urls")),
]

if settings.BENCHMARK:  # `make bench` compares every endpoint with a bare view
    urlpatterns += [path("", include("bench.bare"))]
