"""The Django admin for staff: registers, catalogue, and a read-only journal."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from access import selectors, services
from access.forms import ForeignPersonForm, ReplacesField
from access.identifiers import MAX_INPUT_LENGTH, parse_enterprise_number, parse_niss
from access.models import (
    AuditEvent,
    Designation,
    Domain,
    Enterprise,
    EnterpriseBlock,
    EnterpriseClosure,
    FormerNiss,
    Grant,
    Group,
    GroupBlock,
    Language,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
    RoleType,
)
from access.policy import DesignationKind
from access.staff_journal import HIDDEN, record_staff_change
from accounts.http import client_ip
from accounts.models import User


class ReadOnlyInAdmin:
    """Staff read these rows here; they change through the portal's services, which ask the policy
    and keep the journal, and none is deleted: the journal and the history refer to them."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
    show_full_result_count = False  # a filtered list does not count the country's rows too
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
    show_full_result_count = False  # a filtered list does not count the country's rows too
    form = EnterpriseAdminForm
    list_display = ["name", "number_display", "status", "main_manager", "temporary_password_expires", "activated_at"]
    list_filter = ["status", "preferred_language", "groups__role_type"]
    search_fields = ["name", "number"]
    number_lookup = "number"
    inlines = [LegalRepresentativeInline, GroupInline]
    readonly_fields = ["activated_at", "activated_by"]
    change_form_template = "admin/access/enterprise/change_form.html"
    journaled_additions = (LegalRepresentative,)  # by save_formset, as the imported ones

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data:
            # The closures keep what the status was on any past day (who could act then).
            services.enterprise_closure_follow(obj, form.initial["status"])

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The pending activations, with their expiry, in one query for the whole list.
        main = selectors.current_designations().filter(enterprise=OuterRef("pk"), kind=DesignationKind.MAIN)
        return (
            super()
            .get_queryset(request)
            .annotate(
                main_given_name=Subquery(main.values("person__given_name")[:1]),
                main_surname=Subquery(main.values("person__surname")[:1]),
                main_expires=Subquery(main.values("person__user__temporary_password_expires_at")[:1]),
            )
        )

    @admin.display(description=_("Main Access Manager"))
    def main_manager(self, enterprise: Any) -> str:
        return f"{enterprise.main_given_name} {enterprise.main_surname}" if enterprise.main_surname else "–"

    @admin.display(description=_("The temporary password expires on"))
    def temporary_password_expires(self, enterprise: Any) -> Any:
        return enterprise.main_expires or "–"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.designate_main_manager)
        credentials = self.admin_site.admin_view(self.send_main_manager_credentials)
        return [
            path("<id:enterprise_id>/main-manager/", view, name="access_enterprise_main_manager"),
            path(
                "<id:enterprise_id>/main-manager/credentials/",
                credentials,
                name="access_enterprise_main_manager_credentials",
            ),
            *super().get_urls(),
        ]

    def send_main_manager_credentials(self, request: HttpRequest, enterprise_id: int) -> HttpResponse:
        """Staff send the MAM without a Belgian number new credentials (a lost phone), journaled."""
        enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
        form = StaffReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.main_manager_resend_credentials_as_staff(
                    enterprise=enterprise, staff=request.user, reason=form.cleaned_data["reason"], ip=client_ip(request)
                )
            except services.ActionRefused as exc:
                form.add_error(None, str(exc.message))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("A new username and temporary password are on their way; the old password no longer works."),
                )
                return redirect("admin:access_enterprise_change", enterprise.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Send the Main Access Manager new credentials"),
            "enterprise": enterprise,
            "current": selectors.main_manager_of(enterprise),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/access/enterprise/main_manager_credentials.html", context)

    def designate_main_manager(self, request: HttpRequest, enterprise_id: int) -> HttpResponse:
        """The exception procedure (docs/design.md §4.2): staff designate or replace the MAM, journaled."""
        enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
        current = selectors.main_manager_of(enterprise)
        shown = {"replaces": current.designation.pk if current else None}
        form = StaffMainManagerForm(request.POST or None, initial=shown)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                staff, reason, ip = request.user, data["reason"], client_ip(request)
                if data["niss"]:
                    with transaction.atomic():  # a newcomer is kept only if they are designated
                        person = services.person_get_or_create(
                            data["niss"], given_name=data["given_name"], surname=data["surname"]
                        )
                        services.main_manager_designate_as_staff(
                            enterprise=enterprise,
                            person=person,
                            staff=staff,
                            reason=reason,
                            ip=ip,
                            replaces=data["replaces"],
                        )
                else:
                    services.main_manager_designate_foreign_as_staff(
                        enterprise=enterprise,
                        replaces=data["replaces"],
                        given_name=data["given_name"],
                        surname=data["surname"],
                        email=data["email"],
                        mobile_phone=data["mobile_phone"],
                        language=data["language"],
                        staff=staff,
                        reason=reason,
                        ip=ip,
                    )
            except ValidationError as exc:
                form.add_error("given_name", exc)
            except services.ActionRefused as exc:
                form.add_error(None, str(exc.message))
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The Main Access Manager is designated; they have been informed."))
                return redirect("admin:access_enterprise_change", enterprise.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Designate the Main Access Manager"),
            "enterprise": enterprise,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/access/enterprise/main_manager.html", context)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Legal representatives entered by staff are journaled like the imported ones."""
        super().save_formset(request, form, formset, change)
        if formset.model is LegalRepresentative:
            for representative in formset.new_objects:
                services.legal_representative_record(representative, source="admin", staff=request.user.get_username())


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
    show_full_result_count = False  # a filtered list does not count the country's rows too
    list_display = ["enterprise", "role_type", "activated_at"]
    list_filter = ["role_type__domain", "role_type"]
    search_fields = ["enterprise__name", "enterprise__number"]
    number_lookup = "enterprise__number"
    list_select_related = ["enterprise", "role_type"]


@admin.register(Designation)
class DesignationAdmin(ReadOnlyInAdmin, IdentifierSearchMixin, admin.ModelAdmin):
    show_full_result_count = False  # a filtered list does not count the country's rows too
    list_display = ["enterprise", "kind", "person", "designated_at", "revoked_at"]
    list_filter = ["kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__surname", "person__given_name", "enterprise__name", "enterprise__number"]
    number_lookup = "enterprise__number"
    list_select_related = ["enterprise", "person"]
    raw_id_fields = ["person", "designated_by", "revoked_by", "group"]


class GrantInline(admin.TabularInline):
    model = Grant
    extra = 0
    fields = ("service", "granted_by", "granted_at", "valid_until", "revoked_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyInAdmin, IdentifierSearchMixin, admin.ModelAdmin):
    show_full_result_count = False  # a filtered list does not count the country's rows too
    list_display = ["person", "group", "status", "created_at", "removed_at"]
    list_filter = ["status", ("removed_at", admin.EmptyFieldListFilter), "group__role_type"]
    search_fields = ["person__surname", "person__given_name", "group__enterprise__name", "group__enterprise__number"]
    number_lookup = "group__enterprise__number"
    list_select_related = ["person", "group__role_type", "group__enterprise"]
    inlines = [GrantInline]


@admin.register(EnterpriseBlock)
class EnterpriseBlockAdmin(ReadOnlyInAdmin, admin.ModelAdmin):
    list_display = ["person", "enterprise", "blocked_at", "until", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["person__surname", "enterprise__name", "enterprise__number"]


@admin.register(GroupBlock)
class GroupBlockAdmin(ReadOnlyInAdmin, admin.ModelAdmin):
    show_full_result_count = False  # a filtered list does not count the country's rows too
    list_display = ["membership", "blocked_at", "until", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["membership__person__surname", "membership__group__enterprise__name"]
    list_select_related = ["membership__person", "membership__group__role_type"]


@admin.register(EnterpriseClosure)
class EnterpriseClosureAdmin(ReadOnlyInAdmin, admin.ModelAdmin):
    list_display = ["enterprise", "status", "closed_at", "reopened_at"]
    list_filter = ["status"]
    search_fields = ["enterprise__name", "enterprise__number"]


@admin.register(AuditEvent)
class AuditEventAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    show_full_result_count = False  # a filtered list does not count the country's rows too
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


class StaffReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


class StaffMainManagerForm(forms.Form):
    """The exception procedure: staff designate the MAM, with or without a Belgian number."""

    niss = forms.CharField(label=_("National register number"), max_length=MAX_INPUT_LENGTH, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    surname = forms.CharField(label=_("Surname"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    mobile_phone = forms.CharField(label=_("Mobile phone number"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500)
    replaces = ReplacesField()

    def clean_niss(self) -> str:
        value = self.cleaned_data["niss"]
        return parse_niss(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("niss"):
            foreign = ForeignPersonForm(
                {
                    "given_name": data.get("given_name"),
                    "surname": data.get("surname"),
                    "email": data.get("email"),
                    "mobile_phone": data.get("mobile_phone"),
                    "language": data.get("language"),
                }
            )
            if not foreign.is_valid():
                for field, errors in foreign.errors.items():
                    for error in errors:
                        self.add_error(field if field in self.fields else None, error)
            else:
                data["mobile_phone"] = foreign.cleaned_data["mobile_phone"]
        return data


class StaffUserAdmin(UserAdmin):
    """Django's user admin; a password that staff set or disable is journaled with the change.
    Registered here rather than in accounts, which knows nothing of the journal."""

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
