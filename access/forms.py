from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from access import policy
from access.identifiers import MAX_INPUT_LENGTH, parse_niss
from access.models import Domain, Group, Language, OnlineService
from access.policy import DesignationKind
from accounts.phone import PhoneField


class NissField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("National register number"))
        kwargs.setdefault("help_text", _("11 digits, e.g. 85.07.30-033.28"))
        kwargs.setdefault("max_length", MAX_INPUT_LENGTH)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value: Any) -> str:
        return parse_niss(super().clean(value))


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OnlineService) -> str:  # type: ignore[override]
        return obj.name


class ServicesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: OnlineService) -> str:  # type: ignore[override]
        return obj.name


class PersonIdentityForm(forms.Form):
    """A person named by their national register number; names are asked only for newcomers."""

    niss = NissField()
    given_name = forms.CharField(
        label=_("Given name"), max_length=100, required=False, help_text=_("Only if the person is new to the portal.")
    )
    surname = forms.CharField(
        label=_("Surname"), max_length=100, required=False, help_text=_("Only if the person is new to the portal.")
    )


class ReplacesField(forms.IntegerField):
    """The Main Access Manager designation a form replaces, as it was shown (empty: none)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        # Anything but an id names no designation: the service answers that the MAM has changed,
        # the one message a person can act on (a hidden field's own error would show nowhere).
        if value in self.empty_values:
            return None
        return int(value) if str(value).isdigit() and len(str(value)) < 19 else 0


class MainManagerForm(PersonIdentityForm):
    replaces = ReplacesField()


class AddUserForm(PersonIdentityForm):
    services = ServicesField(label=_("Online services"), queryset=OnlineService.objects.none(), required=False)
    confirm = forms.BooleanField(
        label=_("I confirm that this person is a staff member of the enterprise, active in this group."),
        required=True,
        error_messages={"required": _("Confirm that this person is a staff member of the enterprise.")},
    )

    def __init__(self, *args: Any, services: QuerySet[OnlineService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    service = ServiceChoiceField(label=_("Online service"), queryset=OnlineService.objects.none())

    def __init__(self, *args: Any, services: QuerySet[OnlineService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. It is kept in the journal."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason: it is kept in the journal."))
        return reason


class RevokeForm(forms.Form):
    """The reason for revoking a designation: optional, kept in the journal when given."""

    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class BlockForm(ReasonForm):
    until = forms.DateField(
        label=_("Blocked until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional. Leave empty to block until someone unblocks."),
    )


class DesignateForm(PersonIdentityForm):
    kind = forms.ChoiceField(label=_("Role"))
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=Domain.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), required=False)
    field_order = ["kind", "domain", "group", "niss", "given_name", "surname"]

    def __init__(self, *args: Any, standing: policy.Standing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(DesignationKind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in policy.manager_kinds(standing)]  # type: ignore[attr-defined]
        self.fields["domain"].queryset = Domain.objects.filter(pk__in=standing.scope_domains)  # type: ignore[attr-defined]
        self.fields["group"].queryset = Group.objects.filter(  # type: ignore[attr-defined]
            pk__in=policy.group_manager_groups(standing)
        ).select_related("role_type")
        self.fields["domain"].help_text = _("For an Access Manager.")
        self.fields["group"].help_text = _("For a Group Manager.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == DesignationKind.ACCESS_MANAGER and not data.get("domain"):
            self.add_error("domain", _("Choose the domain of the Access Manager."))
        if kind == DesignationKind.GROUP_MANAGER and not data.get("group"):
            self.add_error("group", _("Choose the group of the Group Manager."))
        return data


class ForeignPersonForm(forms.Form):
    """A person without a Belgian number: they receive a username by e-mail and a password by SMS."""

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    surname = forms.CharField(label=_("Surname"), max_length=100)
    email = forms.EmailField(label=_("E-mail address"), help_text=_("The username is sent to this address."))
    mobile_phone = PhoneField(
        label=_("Mobile phone number"),
        mobile=True,
        help_text=_("With the country code, e.g. +33 6 12 34 56 78. The temporary password is sent to it by SMS."),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices)


class ForeignMainManagerForm(ForeignPersonForm):
    replaces = ReplacesField()


def looks_like_a_number(query: str) -> bool:
    """A search with four digits or more is a search by national register number."""
    return sum(c.isdigit() for c in query) >= 4


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or national register number"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"maxlength": 100}),
    )

    def clean_q(self) -> str:
        """A number is searched whole and valid, never by a part (docs/decisions.md §2.1): a part
        or a mistyped number is said to be one, rather than finding nobody."""
        query: str = self.cleaned_data["q"].strip()
        if looks_like_a_number(query):
            try:
                parse_niss(query)
            except forms.ValidationError as exc:
                if exc.code == "checksum":
                    raise
                raise forms.ValidationError(
                    _(
                        "Type the whole national register number, 11 digits, e.g. 85.07.30-033.28: "
                        "a part of a number finds nobody. Or search by name."
                    ),
                    code="partial",
                ) from exc
        return query
