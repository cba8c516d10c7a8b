from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal import metrics, sessions

        # Every way of logging in (allauth's, the admin's, the test client's) lists its session.
        user_logged_in.connect(sessions.started, dispatch_uid="portal.sessions.started")
        metrics.register()


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the staff site (second factor, journal)."""

    default = False
    default_site = "portal.admin_site.StaffAdminSite"
