from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from allauth.mfa.signals import authentication_failed
        from django.urls import register_converter

        from accounts import metrics
        from accounts.converters import IdConverter

        # Every app's addresses use the `id` converter; URL confs are read after the apps are ready.
        register_converter(IdConverter, "id")
        # A wrong one-time code is counted from allauth's signal: its form calls no adapter then.
        authentication_failed.connect(metrics.one_time_code_failed, dispatch_uid="accounts.metrics.one_time_code")
