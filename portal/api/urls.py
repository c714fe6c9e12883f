"""The API's routes: v1 (/api/v1/), the Statuspage-compatible v2 (/api/v2/), OpenAPI, docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from notify.api.views import WebhookViewSet

from . import statuspage, views, writes
from .schema import SchemaView

router = SimpleRouter()
router.register("offices", views.OfficeViewSet, basename="office")
router.register("systems", views.SystemViewSet, basename="system")
router.register("events", views.EventViewSet, basename="event")
router.register("advisories", views.AdvisoryViewSet, basename="advisory")
router.register("overrides", writes.OverrideViewSet, basename="override")
router.register("closures", writes.ClosureViewSet, basename="closure")
router.register("webhooks", WebhookViewSet, basename="webhook")


def with_and_without_slash(route: str, view, name: str) -> list:
    return [path(f"{route}/", view, name=name), path(route, view, name=f"{name}-bare")]


# Every v1 path answers without its trailing slash too, as the OpenAPI document lists it
# (linters and generated clients expect no trailing slash; Django's URLs have one).
bare = SimpleRouter(trailing_slash="")
for prefix, viewset, basename in router.registry:
    bare.register(prefix, viewset, basename=f"{basename}-bare")

v1 = [
    *with_and_without_slash("status", views.StatusView.as_view(), "status"),
    *with_and_without_slash(
        "systems/<str:code>/declaration",
        writes.SystemDeclarationView.as_view(),
        "system-declaration",
    ),
    *router.urls,
    *bare.urls,
]

# Each v2 route is named for its path: "incidents/unresolved.json" is "incidents-unresolved".
V2_VIEWS = {
    "summary.json": statuspage.SummaryView,
    "status.json": statuspage.StatusIndicatorView,
    "components.json": statuspage.ComponentsView,
    "incidents.json": statuspage.IncidentListView,
    "incidents/unresolved.json": statuspage.UnresolvedIncidentListView,
    "scheduled-maintenances.json": statuspage.MaintenanceListView,
    "scheduled-maintenances/upcoming.json": statuspage.UpcomingMaintenanceListView,
    "scheduled-maintenances/active.json": statuspage.ActiveMaintenanceListView,
}
v2 = [
    path(route, view.as_view(), name=route.removesuffix(".json").replace("/", "-"))
    for route, view in V2_VIEWS.items()
]

urlpatterns = [
    path("v1/", include((v1, "api-v1"))),
    path("v2/", include((v2, "api-v2"))),
    path("schema/", SchemaView.as_view(), name="schema"),
    # Swagger UI from the sidecar's static files: no CDN, and no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
