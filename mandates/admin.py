"""Staff read the mandates and the access given under them; both change only through the portal's
pages, which ask the policy and journal every step in the two enterprises."""

from django.contrib import admin

from access.admin import IdentifierSearchMixin, ReadOnlyInAdmin
from mandates.models import Mandate, MandateAccess


@admin.register(Mandate)
class MandateAdmin(ReadOnlyInAdmin, IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ["principal", "provider", "status", "starts_on", "ends_on", "offered_at", "ended_at"]
    list_filter = ["status"]
    search_fields = ["principal__name", "principal__number", "provider__name", "provider__number"]
    number_lookup = "principal__number"
    list_select_related = ["principal", "provider"]
    raw_id_fields = ["principal", "provider", "offered_by", "answered_by", "ended_by"]


@admin.register(MandateAccess)
class MandateAccessAdmin(ReadOnlyInAdmin, admin.ModelAdmin):
    list_display = ["mandate", "person", "service", "granted_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__surname", "person__given_name", "mandate__principal__name"]
    list_select_related = ["mandate__principal", "mandate__provider", "person", "service"]
    raw_id_fields = ["mandate", "person", "service", "granted_by", "revoked_by"]
