from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    name = "portal"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the staff site (second factor, journal)."""

    default = False
    default_site = "portal.admin_site.StaffAdminSite"
