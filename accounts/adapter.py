from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from accounts import metrics
from accounts.http import client_ip

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

    def get_client_ip(self, request: HttpRequest) -> str:
        # The rate limits count the address the journal records (TRUSTED_PROXY_COUNT).
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            metrics.login_failed("locked")
            # allauth refuses a locked username before checking the password; without the hash a
            # wrong password costs, the quicker answer would tell that the username is locked.
            get_user_model()().set_password(credentials.get("password") or "")
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        metrics.login_failed("password")
        super().authentication_failed(request, **credentials)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created for people designated or added by a manager, never self-registered.
        return False
