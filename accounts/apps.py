from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Every app's addresses use the `id` converter; URL confs are read after the apps are ready.
        from django.urls import register_converter

        from accounts.converters import IdConverter

        register_converter(IdConverter, "id")
