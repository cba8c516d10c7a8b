from django.urls import path, re_path

from accounts import views

# Local accounts have no self-service reset (see views.no_password_reset): allauth's reset pages,
# the one that takes an address and the ones a mailed link leads to, answer with the way to new
# credentials instead. These patterns come before allauth's, so they are the ones that resolve.
#
# A person who logs in through the federal identity provider has no password and must never get
# one: a local password would let them in without the identity provider. And the portal keeps each
# person's e-mail address itself; an address added by the person would be unverified, which also
# stops allauth from adding a one-time-code app or recovery codes. allauth's pages for these answer
# 404, like an address the portal does not have.
urlpatterns = [
    path("password/set/", views.not_offered, name="account_set_password"),
    path("email/", views.not_offered, name="account_email"),
    path("confirm-email/", views.not_offered, name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", views.not_offered, name="account_confirm_email"),
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
