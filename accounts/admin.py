from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from access.staff_journal import HIDDEN, record_staff_change
from accounts.models import User


class StaffUserAdmin(UserAdmin):
    """Django's user admin; a password that staff set or disable is journaled with the change."""

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            changed = request.method == "POST" and response.status_code == 302
            if changed and response["Location"] != request.get_full_path():
                user: Any = self.get_object(request, unquote(id))
                after = {"password": HIDDEN, "usable_password": user.has_usable_password()}
                record_staff_change(request, user, before=None, after=after)
        return response


admin.site.register(User, StaffUserAdmin)
