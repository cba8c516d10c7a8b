from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    """A real OpenID Connect provider standing in for the federal one, in development and tests only."""

    name = "devidp"
