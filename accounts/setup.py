"""The first login of a local account: the temporary password works once, then the person
chooses a password and enrols an app for one-time codes before going further."""

from allauth.mfa.models import Authenticator

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


def finish_setup(user: User) -> None:
    user.setup_required = False
    user.save(update_fields=["setup_required"])
