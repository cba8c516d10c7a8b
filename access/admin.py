"""The Django admin for staff: registers, catalogue, and a read-only journal."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from access.identifiers import MAX_INPUT_LENGTH, parse_enterprise_number, parse_niss
from access.models import (
    AuditEvent,
    Designation,
    Domain,
    Enterprise,
    EnterpriseBlock,
    FormerNiss,
    Grant,
    Group,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
    RoleType,
)


class IdentifierSearchMixin:
    """Searching by a formatted enterprise number (BE, dots) finds the stored digits.

    National register numbers are not searched here: a search box puts its text in the URL, and
    a national register number must never be in one. Staff find a person by number with the
    form on the people list, which posts it (PersonAdmin.find_by_niss).
    """

    number_lookup = ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        extra = Q()
        if self.number_lookup:
            try:
                extra |= Q(**{self.number_lookup: parse_enterprise_number(search_term)})
            except ValidationError:  # not an enterprise number
                pass
        if extra:
            results = results | queryset.filter(extra)
        return results, may_have_duplicates


class PersonAdminForm(forms.ModelForm):
    """Staff may type a national register number as it is printed; it is stored as 11 digits."""

    niss = forms.CharField(label=_("national register number"), max_length=MAX_INPUT_LENGTH, required=False)

    class Meta:
        model = Person
        fields = ["niss", "given_name", "surname", "email", "mobile_phone", "preferred_language", "user"]

    def clean_niss(self) -> str | None:
        value = self.cleaned_data.get("niss")
        return parse_niss(value) if value else None


class EnterpriseAdminForm(forms.ModelForm):
    """Staff may type an enterprise number with BE, dots or spaces; it is stored as 10 digits."""

    number = forms.CharField(label=_("enterprise number"), max_length=MAX_INPUT_LENGTH)

    class Meta:
        model = Enterprise
        fields = ["number", "name", "preferred_language", "status"]

    def clean_number(self) -> str:
        return parse_enterprise_number(self.cleaned_data.get("number", ""))


class FormerNissInline(admin.TabularInline):
    model = FormerNiss
    extra = 0


@admin.register(Person)
class PersonAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ["surname", "given_name", "niss_masked", "email", "preferred_language"]
    list_filter = ["preferred_language"]
    search_fields = ["surname", "given_name", "email"]
    inlines = [FormerNissInline]
    raw_id_fields = ["user"]

    def get_urls(self) -> list[Any]:
        finder = path("find/", self.admin_site.admin_view(self.find_by_niss), name="access_person_find")
        return [finder, *super().get_urls()]

    def find_by_niss(self, request: HttpRequest) -> HttpResponse:
        """Open the person with this national register number; the number travels in a POST only."""
        if request.method != "POST" or not self.has_view_permission(request):
            return redirect("admin:access_person_changelist")
        try:
            person = Person.objects.filter(niss=parse_niss(request.POST.get("niss", ""))).first()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:access_person_changelist")
        if person is None:
            messages.warning(request, _("Nobody has this national register number."))
            return redirect("admin:access_person_changelist")
        return redirect("admin:access_person_change", person.pk)


class LegalRepresentativeInline(admin.TabularInline):
    model = LegalRepresentative
    extra = 0
    raw_id_fields = ["person"]


class GroupInline(admin.TabularInline):
    model = Group
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    form = EnterpriseAdminForm
    list_display = ["name", "number_display", "status", "activated_at"]
    list_filter = ["status", "preferred_language", "groups__role_type"]
    search_fields = ["name", "number"]
    number_lookup = "number"
    inlines = [LegalRepresentativeInline, GroupInline]
    readonly_fields = ["activated_at", "activated_by"]


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(OnlineService)
class OnlineServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "delegatable"]
    list_filter = ["delegatable"]


@admin.register(RoleType)
class RoleTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain"]
    list_filter = ["domain"]
    filter_horizontal = ["services"]


@admin.register(Group)
class GroupAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ["enterprise", "role_type", "activated_at"]
    list_filter = ["role_type__domain", "role_type"]
    search_fields = ["enterprise__name", "enterprise__number"]
    number_lookup = "enterprise__number"
    list_select_related = ["enterprise", "role_type"]


@admin.register(Designation)
class DesignationAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ["enterprise", "kind", "person", "designated_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__surname", "person__given_name", "enterprise__name", "enterprise__number"]
    number_lookup = "enterprise__number"
    list_select_related = ["enterprise", "person"]
    raw_id_fields = ["person", "designated_by", "revoked_by", "group"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Designations change through the portal's services, which keep the journal.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    fields = ("service", "granted_by", "granted_at", "valid_until", "revoked_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ["person", "group", "status", "created_at", "removed_at"]
    list_filter = ["status", ("removed_at", admin.EmptyFieldListFilter), "group__role_type"]
    search_fields = ["person__surname", "person__given_name", "group__enterprise__name", "group__enterprise__number"]
    number_lookup = "group__enterprise__number"
    list_select_related = ["person", "group__role_type", "group__enterprise"]
    inlines = [GrantInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Users are managed in the portal (the grant ceiling and the journal); staff read here.
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EnterpriseBlock)
class EnterpriseBlockAdmin(admin.ModelAdmin):
    list_display = ["person", "enterprise", "blocked_at", "until", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__surname", "enterprise__name", "enterprise__number"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    list_display = ["created_at", "enterprise", "action", "actor", "target_person", "reason"]
    list_filter = ["action", "created_at"]
    search_fields = ["enterprise__name", "enterprise__number", "target_person__surname", "actor__surname"]
    number_lookup = "enterprise__number"
    list_select_related = ["enterprise", "actor", "target_person"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
