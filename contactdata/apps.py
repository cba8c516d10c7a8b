from django.apps import AppConfig


class ContactdataConfig(AppConfig):
    name = "contactdata"
