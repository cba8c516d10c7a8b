from django.urls import path

from accounts import views

urlpatterns = [
    path("setup/password/", views.setup_password, name="account_setup_password"),
]
