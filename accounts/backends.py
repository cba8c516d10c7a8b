from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, refusing an expired temporary password exactly like a wrong one."""

    user_model = get_user_model()

    def _check_password(self, user: Any, password: str) -> Any:
        if user is not None and getattr(user, "temporary_password_expired", False):
            self._mitigate_timing_attack(password)
            return None
        return super()._check_password(user, password)

    def get_user(self, user_id: Any) -> Any:
        # The person comes with the account: every page of an enterprise needs both.
        user = self.user_model.objects.select_related("person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
