from django.apps import AppConfig


class EboxConfig(AppConfig):
    name = "ebox"
