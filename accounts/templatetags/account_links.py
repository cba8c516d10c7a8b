from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django import template

register = template.Library()


@register.filter
def has_one_time_code_app(user: Any) -> bool:
    """Whether the person has an app for one-time codes, and so recovery codes to look after."""
    return bool(user.is_authenticated) and is_mfa_enabled(user, [Authenticator.Type.TOTP])
