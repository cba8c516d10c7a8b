from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MandatesConfig(AppConfig):
    name = "mandates"
    verbose_name = _("Mandates")

    def ready(self) -> None:
        # Ending a mandate joins the registry of the actions that wait for a second manager.
        from mandates import services  # noqa: F401
