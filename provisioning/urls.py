from django.urls import path

from provisioning import views

app_name = "provisioning"

urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
