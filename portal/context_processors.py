from typing import Any

from django.conf import settings
from django.http import HttpRequest


def login_options(request: HttpRequest) -> dict[str, Any]:
    return {"federal_login_enabled": bool(settings.OIDC_SERVER_URL), "dev_idp_enabled": settings.DEV_IDP_ENABLED}
