from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    # A locked account answers like an unknown user or a wrong password: nothing to learn from it.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": DefaultAccountAdapter.error_messages["username_password_mismatch"],
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created for people designated or added by a manager, never self-registered.
        return False
