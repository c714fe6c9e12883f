from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    name = "portal"
    default = True  # "portal" in INSTALLED_APPS means this one, not the admin's below

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)


class StaffAdminConfig(admin_apps.AdminConfig):
    """The Django admin, as the staff control room (live status home, audit view)."""

    default = False
    default_site = "portal.admin_views.StaffAdminSite"
