"""The first login of a local account: the temporary password works once, then the person
chooses a password and enrols an app for one-time codes before going further."""

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal import auth as totp_auth
from django.http import HttpRequest

from accounts.models import User


def start_setup(user: User) -> None:
    """Called at the login with the temporary password: that password stops working now."""
    user.set_unusable_password()
    user.password_is_temporary = False
    user.temporary_password_expires_at = None
    user.setup_required = True
    user.save(update_fields=["password", "password_is_temporary", "temporary_password_expires_at", "setup_required"])


def has_one_time_codes(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def next_setup_step(user: User) -> str | None:
    """The URL name of what the person must do next, or None when the set-up is complete."""
    if not user.has_usable_password():
        return "account_setup_password"
    if not has_one_time_codes(user):
        return "mfa_activate_totp"
    return None


def add_missing_recovery_codes(user: User) -> bool:
    """Recovery codes for an account whose app was enrolled before the portal offered them (an
    enrolment now makes them at once). True when they were made now, to be shown."""
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    if Authenticator.Type.TOTP not in kinds or Authenticator.Type.RECOVERY_CODES in kinds:
        return False
    RecoveryCodes.activate(user)
    return True


def finish_setup(user: User) -> None:
    user.setup_required = False
    user.save(update_fields=["setup_required"])


# What opens while the set-up is pending: its own pages, the recovery codes shown right after the
# enrolment, leaving, choosing a language, the help, accessibility and privacy pages, and what a
# browser or a load balancer fetches by itself.
SETUP_OPEN_PATHS = (
    "/about/",
    "/accounts/logout/",
    "/accounts/setup/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/reauthenticate/",
    "/static/",
    "/i18n/",
    "/favicon.ico",
    "/health/",
)


def is_open_during_setup(path: str) -> bool:
    return path.startswith(SETUP_OPEN_PATHS)


def asks_for_a_page(request: HttpRequest) -> bool:
    """A page the person navigates to, which a redirect to the next step can answer; not an icon,
    a script, a manifest or a form being posted, which would get that step's HTML instead."""
    if request.method not in ("GET", "HEAD"):
        return False
    accept = request.headers.get("Accept", "")
    return not accept or "text/html" in accept


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """allauth's enrolment form, with a secret that stays the same until it is confirmed.

    allauth draws a new secret each time the form is shown unbound: a reload of the page, or a
    second tab, replaces the secret the person's app scanned, and every code it makes is then
    refused. This one draws a secret only when none is pending in the session; allauth removes it
    once the app is confirmed, and the session ends with the logout.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.user = kwargs.pop("user")
        # Past allauth's __init__, whose only other work is drawing the new secret.
        super(totp_forms.ActivateTOTPForm, self).__init__(*args, **kwargs)
        self.secret = totp_auth.get_totp_secret(regenerate=False)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"  # the digits keyboard on a phone

    @property
    def secret_groups(self) -> str:
        """The secret in groups of four, as authenticator apps accept it typed."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))
