"""Staff register the online services' clients here, choose the services each may ask about, and
rotate their secrets. A secret is shown once, on the page that answers its creation, and stored
only as a hash; rotating it also revokes the client's tokens (docs/decisions-api.md §3)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from access.staff_journal import HIDDEN, record_staff_change
from decisions.models import Client

# The toolkit registers its own admins: the portal's clients have no grants, ID tokens or refresh
# tokens, and their access tokens live five minutes. Staff manage the clients alone.
for model in (Client, get_access_token_model(), get_grant_model(), get_id_token_model(), get_refresh_token_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "services", "active"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Name the online service that uses this client."))
        return name


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    list_display = ["name", "client_id", "active", "created"]
    list_filter = ["active"]
    search_fields = ["name", "client_id"]
    readonly_fields = ["client_id", "created", "updated"]
    fields = ["name", "client_id", "services", "active", "created", "updated"]
    filter_horizontal = ["services"]
    actions = ["rotate_secret"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            # The only moment the secret exists in clear: kept for the page that answers.
            obj.client_secret = secret = generate_client_secret()
            request._new_client_secrets = [(obj, secret)]  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        return self._secrets_page(request, getattr(request, "_new_client_secrets", []), _("The client is registered"))

    @admin.action(description=_("Rotate the secret (the client's tokens stop working)"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Client]) -> HttpResponse:
        clients = list(queryset)
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Rotate the secret"),
                "clients": clients,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/decisions/client/rotate_secret.html", context)
        secrets = []
        with transaction.atomic():
            for client in clients:
                client.client_secret = secret = generate_client_secret()
                client.save(update_fields=["client_secret", "updated"])
                revoked, _deleted = get_access_token_model().objects.filter(application=client).delete()
                record_staff_change(
                    request,
                    client,
                    before={"client_secret": HIDDEN},
                    after={"client_secret": HIDDEN, "tokens_revoked": revoked},
                )
                secrets.append((client, secret))
        return self._secrets_page(request, secrets, _("New secrets"))

    def _secrets_page(self, request: HttpRequest, secrets: list[tuple[Client, str]], title: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "secrets": secrets,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/decisions/client/secrets.html", context)
