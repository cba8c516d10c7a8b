from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.core.exceptions import ValidationError
from django.http import HttpRequest

# Where a one-time code is typed: the password was right, so a lockout there says what it is.
ONE_TIME_CODE_PAGES = {"mfa_authenticate", "mfa_reauthenticate"}


class AccountAdapter(DefaultAccountAdapter):
    # A locked account answers like an unknown user or a wrong password: nothing to learn from it.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": DefaultAccountAdapter.error_messages["username_password_mismatch"],
    }

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        match = getattr(context.request, "resolver_match", None)
        if code == "too_many_login_attempts" and match is not None and match.url_name in ONE_TIME_CODE_PAGES:
            return ValidationError(DefaultAccountAdapter.error_messages[code], code=code)
        return super().validation_error(code, *args)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created for people designated or added by a manager, never self-registered.
        return False
