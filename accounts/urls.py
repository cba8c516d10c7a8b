from django.urls import path, re_path

from accounts import views

# Local accounts have no self-service reset (see views.no_password_reset): allauth's reset pages,
# the one that takes an address and the ones a mailed link leads to, answer with the way to new
# credentials instead. These patterns come before allauth's, so they are the ones that resolve.
urlpatterns = [
    path("setup/password/", views.setup_password, name="account_setup_password"),
    path("password/reset/", views.no_password_reset, name="account_reset_password"),
    path("password/reset/done/", views.no_password_reset, name="account_reset_password_done"),
    path("password/reset/key/done/", views.no_password_reset, name="account_reset_password_from_key_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.no_password_reset,
        name="account_reset_password_from_key",
    ),
]
