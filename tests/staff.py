"""Members of staff with a one-time-code app, and test clients logged in as allauth logs them in."""

import time
from typing import Any

from allauth.account.internal.flows import login as login_flow
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth import get_user_model
from django.test import Client

from tests import factories


def create_staff(username: str = "staff", *, with_one_time_codes: bool = True) -> tuple[Any, str]:
    """A superuser and the secret of their one-time-code app ("" without one)."""
    user = get_user_model().objects.create_superuser(username, f"{username}@example.be", factories.PASSWORD)
    secret = generate_totp_secret() if with_one_time_codes else ""
    if secret:
        TOTP.activate(user, secret)
    return user, secret


def one_time_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in_staff(client: Client, user: Any, *, second_factor: bool = True) -> Client:
    """Logged in as after the portal's login: the password, then (unless told) the one-time code."""
    client.force_login(user)
    session = client.session
    records = [{"method": "password", "at": time.time(), "username": user.get_username()}]
    if second_factor:
        records.append({"method": "mfa", "at": time.time(), "type": "totp"})
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client
