from typing import Any

from django import forms
from django.contrib import admin

from chaman import services
from chaman.forms import clean_channel_credentials
from chaman.models import Channel, Sender, StructuredMessageSettings, TechnicalContact

# Read from the key or certificate, never typed: credentials.py computes them from what is stored.
COMPUTED = ["key_fingerprint", "certificate_subject", "certificate_fingerprint", "certificate_expires_at"]


class ChannelAdminForm(forms.ModelForm):
    """The portal's checks on keys and certificates, in the admin: the public material only,
    re-serialised, strong keys, and the fingerprint and expiry of what is stored."""

    class Meta:
        model = Channel
        fields = ["kind", "active", "ssh_public_key", "certificate_pem", "oauth_client_id", "created_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # An unchanged key or certificate stays as it is (an expired certificate on a channel
        # being switched off is no reason to refuse that).
        changed = self.instance.pk is None or "kind" in self.changed_data
        fields = [name for name in ("ssh_public_key", "certificate_pem") if changed or name in self.changed_data]
        if fields:
            clean_channel_credentials(self, data, parse=fields)
        key = data.get("parsed_ssh_public_key")
        certificate = data.get("parsed_certificate_pem")
        services.channel_set_credentials(self.instance, key=key, certificate=certificate)
        data["ssh_public_key"] = self.instance.ssh_public_key
        data["certificate_pem"] = self.instance.certificate_pem
        return data


class TechnicalContactInline(admin.StackedInline):
    model = TechnicalContact
    extra = 0
    max_num = 1


class ChannelInline(admin.StackedInline):
    model = Channel
    form = ChannelAdminForm
    extra = 0
    readonly_fields = COMPUTED


@admin.register(Sender)
class SenderAdmin(admin.ModelAdmin):
    list_display = ["number", "enterprise", "created_at"]
    search_fields = ["number", "enterprise__name", "enterprise__number"]
    inlines = [TechnicalContactInline, ChannelInline]
    raw_id_fields = ["enterprise"]


@admin.register(StructuredMessageSettings)
class StructuredMessageSettingsAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "exchanges", "delivery", "channel"]
    list_filter = ["exchanges", "delivery"]
    search_fields = ["enterprise__name", "enterprise__number"]
