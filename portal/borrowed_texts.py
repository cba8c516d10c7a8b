"""Texts of allauth and Django that the portal's pages show: allauth's forms, its messages and
the pages of it that the portal does not redraw (logging out, changing the password, the
one-time-code app, a federated login that failed or was cancelled), and Django's password rules.

They are listed here so that `make makemessages` puts them in the portal's catalogues, whose
translations win over allauth's and Django's: the portal says "u" in Dutch and "Sie" in German,
names its buttons by what they do, and calls things by the names its own pages use ("app for
one-time codes"); and where Django's own Dutch lags behind its English (a message it reworded), the
page would otherwise fall back to French. Nothing imports this module; tests/test_languages.py
checks that the pages in French, Dutch and German show no text of another language, no "je" and
no "du".
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ALLAUTH_TEXTS = (
    # Logging in and out (account/forms.py, account/adapter.py, account/messages/, account/logout.html).
    gettext_noop("Username"),
    gettext_noop("Password"),
    gettext_noop("The username and/or password you specified are not correct."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("Invalid login."),
    gettext_noop("This account is currently inactive."),
    gettext_noop("Account Inactive"),
    gettext_noop("This account is inactive."),
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("Sign Out"),
    gettext_noop("Are you sure you want to sign out?"),
    # Confirming who one is (account/adapter.py, account/base_reauthenticate.html).
    gettext_noop("Incorrect password."),
    gettext_noop("Confirm Access"),
    gettext_noop("Please reauthenticate to safeguard your account."),
    gettext_noop("Alternative options"),
    gettext_noop("Use your password"),
    gettext_noop("Use authenticator app or code"),
    # Changing the password (account/forms.py, account/password_change.html, its message).
    gettext_noop("Change Password"),
    gettext_noop("Current Password"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("Forgot your password?"),
    gettext_noop("Please type your current password."),
    gettext_noop("You must type the same password each time."),
    gettext_noop("Password successfully changed."),
    # The app for one-time codes and the recovery codes (mfa/).
    gettext_noop("Code"),
    gettext_noop("Authenticator code"),
    gettext_noop("Incorrect code."),
    gettext_noop("Authenticator App"),
    gettext_noop("Authentication using an authenticator app is active."),
    gettext_noop("An authenticator app is not active."),
    gettext_noop("Deactivate"),
    gettext_noop("Deactivate Authenticator App"),
    gettext_noop("You are about to deactivate authenticator app based authentication. Are you sure?"),
    gettext_noop("Authenticator app activated."),
    gettext_noop("Authenticator app deactivated."),
    gettext_noop("Recovery Codes"),
    gettext_noop("No recovery codes set up."),
    gettext_noop("View"),
    gettext_noop("Download"),
    gettext_noop("Generate"),
    gettext_noop("A new set of recovery codes has been generated."),
    # A federated login that failed or was cancelled (socialaccount/).
    gettext_noop("Third-Party Login Failure"),
    gettext_noop("An error occurred while attempting to login via your third-party account."),
    gettext_noop("Login Cancelled"),
    gettext_noop(
        "You decided to cancel logging in to our site using one of your existing accounts. If this was a "
        'mistake, please proceed to <a href="%(login_url)s">sign in</a>.'
    ),
)

DJANGO_TEXTS = (
    # django.contrib.auth.password_validation.MinimumLengthValidator: Django's Dutch still has the
    # message as it was before it was reworded.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        12,
    ),
)
