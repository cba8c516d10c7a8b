from django.contrib import admin

from chaman.models import Channel, Sender, StructuredMessageSettings, TechnicalContact


class TechnicalContactInline(admin.StackedInline):
    model = TechnicalContact
    extra = 0
    max_num = 1


class ChannelInline(admin.StackedInline):
    model = Channel
    extra = 0
    readonly_fields = ["key_fingerprint", "certificate_subject", "certificate_expires_at"]


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
