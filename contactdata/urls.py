from django.urls import path

from contactdata import views

app_name = "contactdata"

urlpatterns = [
    path("", views.contact_data, name="edit"),
    path("general/", views.general_save, name="general_save"),
    path("addresses/", views.addresses_save, name="addresses_save"),
    path("contacts/", views.contacts_save, name="contacts_save"),
]
