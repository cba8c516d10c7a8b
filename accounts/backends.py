from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, refusing an expired temporary password exactly like a wrong one."""

    def _check_password(self, user: Any, password: str) -> Any:
        if user is not None and getattr(user, "temporary_password_expired", False):
            self._mitigate_timing_attack(password)
            return None
        return super()._check_password(user, password)
