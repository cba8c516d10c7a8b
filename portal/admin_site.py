"""The staff admin: reached through the portal's login and a second factor, every write journaled.

The admin's own login form would check a password alone, outside the portal's rate limits and
lockout: it takes no password here. Staff log in at the portal's login (allauth's
`secure_admin_login`), must hold a one-time-code app, and their session must have passed it.
"""

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from access import policy
from access.staff_journal import StaffJournal

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def holds_second_factor(user: Any) -> bool:
    return is_mfa_enabled(user, SECOND_FACTORS)


def passed_second_factor(request: HttpRequest) -> bool:
    """Whether this session's login, or a confirmation since, went through the second factor."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffAdminSite(admin.AdminSite):
    site_header = _("Access Management – staff")
    site_title = _("Access Management")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            policy.staff_may_open_admin(
                is_active=user.is_active,
                is_staff=user.is_staff,
                holds_second_factor=holds_second_factor(user),
                passed_second_factor=passed_second_factor(request),
            )
        )

    @method_decorator(secure_admin_login)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Reached by active staff only (the others log in at the portal, or get 403): it leads
        them to what they still lack, and never reads a password."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        next_url = next_url or reverse("admin:index", current_app=self.name)
        if not holds_second_factor(request.user):
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        if not passed_second_factor(request):
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        return HttpResponseRedirect(next_url)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every model admin journals its saves and deletions, those of other apps too."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, StaffJournal):
            namespace = {"__module__": admin_class.__module__}
            admin_class = type(admin_class.__name__, (StaffJournal, admin_class), namespace)
        super().register(model_or_iterable, admin_class, **options)
