from django.urls import path

from contactdata import views

app_name = "contactdata"

urlpatterns = [path("", views.contact_data, name="edit")]
