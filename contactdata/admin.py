from django.contrib import admin

from contactdata.models import Address, ContactData, DomainContact


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


class DomainContactInline(admin.TabularInline):
    model = DomainContact
    extra = 0


@admin.register(ContactData)
class ContactDataAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "general_email", "general_phone", "correspondence_language", "updated_at"]
    search_fields = ["enterprise__name", "enterprise__number", "general_email"]
    list_filter = ["correspondence_language"]
    inlines = [AddressInline, DomainContactInline]
    readonly_fields = ["updated_at", "updated_by"]
