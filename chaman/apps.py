from django.apps import AppConfig


class ChamanConfig(AppConfig):
    name = "chaman"
