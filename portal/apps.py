from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal import sessions

        # Every way of logging in (allauth's, the admin's, the test client's) lists its session.
        user_logged_in.connect(sessions.started, dispatch_uid="portal.sessions.started")
