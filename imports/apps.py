from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"

    def ready(self) -> None:
        # The rows of an import that wait join the registry of the actions a second manager approves.
        from imports import waiting  # noqa: F401
