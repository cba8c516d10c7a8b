from datetime import date
from html import escape
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.identifiers import MAX_INPUT_LENGTH, parse_niss
from access.journal import PERSONAL_ACTIONS
from access.models import AuditEvent, Domain, Group, Language, OnlineService, Person
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


# Belgian habits first (31/03/2026, 31.03.2026, 31-03-2026), and the ISO form; never the month first.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d"]
INVALID_DATE = _("Enter a date as day/month/year, e.g. 31/03/2026.")


class EndDateField(forms.DateField):
    """An optional end date of a grant or a block, picked as a date: the grant or block holds
    through that day and ends when it is over; a day already past is refused
    (`policy.end_date_allowed`, days of Brussels)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(
            widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            input_formats=["%Y-%m-%d", *DATE_INPUT_FORMATS],
            error_messages={"invalid": INVALID_DATE},
            **kwargs,
        )

    def validate(self, value: Any) -> None:
        super().validate(value)
        decision = policy.end_date_allowed(value, timezone.localdate())
        if not decision:
            raise forms.ValidationError(str(decision.reason), code="past")


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OnlineService) -> str:  # type: ignore[override]
        return obj.name


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Django's checkboxes, written in one pass: its templates write each box through four more
    (about 0.4 ms a box: the offer of a mandate, with the catalogue's services, was a third of the
    Mandates page). The same HTML, byte for byte, escaped as Django's templates escape."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        own = widget["attrs"]
        parts = [
            "<div",
            f' id="{conditional_escape(own["id"])}"' if own.get("id") else "",
            f' class="{conditional_escape(own["class"])}"' if own.get("class") else "",
            ">",
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
            for option in options:
                box = option["attrs"]
                parts.append("<div>\n    ")
                if option["wrap_label"]:
                    parts.append(f'<label for="{conditional_escape(box["id"])}">' if box.get("id") else "<label>")
                parts.append(f'<input type="{conditional_escape(option["type"])}" name="{conditional_escape(name)}"')
                if option["value"] is not None:
                    parts.append(f' value="{conditional_escape(str(option["value"]))}"')
                parts += (_attribute(key, setting) for key, setting in box.items() if setting is not False)
                parts.append(">\n")  # each of the three templates ends its file with a new line
                if option["wrap_label"]:
                    parts.append(f" {conditional_escape(option['label'])}</label>")
                parts.append("\n\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        # Every value above is escaped.
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


def _attribute(name: str, value: Any) -> str:
    """An attribute as Django's attrs.html writes it: a name alone for True."""
    return (
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
    )


class ServicesField(forms.ModelMultipleChoiceField):
    widget = CheckboxSelectMultiple

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


class AddUserNumberForm(forms.Form):
    """Adding a user, first step: who, by national register number (docs/design.md §5.6)."""

    niss = NissField()


class AddUserForm(PersonIdentityForm):
    """Adding a user, second step: the number of the first (carried in a hidden field), the names
    only of a person the portal does not know (`person` None), the online services and the
    confirmation. Sent whole at once, it adds the user too."""

    services = ServicesField(label=_("Online services"), queryset=OnlineService.objects.none(), required=False)
    until = EndDateField(
        label=_("Online services granted until"),
        help_text=_(
            "Optional. The services end when this day is over; leave empty to grant them until someone revokes them."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I confirm that this person is a staff member of the enterprise, active in this group."),
        required=True,
        error_messages={"required": _("Confirm that this person is a staff member of the enterprise.")},
    )

    def __init__(
        self, *args: Any, services: QuerySet[OnlineService], person: Person | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["niss"].widget = forms.HiddenInput()
        self.fields["services"].queryset = services  # type: ignore[attr-defined]
        if person is not None:  # known to the portal: their names are the portal's
            del self.fields["given_name"], self.fields["surname"]
            return
        for name, message in (
            ("given_name", _("Enter the person's given name: the portal does not know them yet.")),
            ("surname", _("Enter the person's surname: the portal does not know them yet.")),
        ):
            self.fields[name].required = True
            self.fields[name].help_text = ""
            self.fields[name].error_messages["required"] = message


class GrantForm(forms.Form):
    service = ServiceChoiceField(label=_("Online service"), queryset=OnlineService.objects.none())
    until = EndDateField(
        label=_("Granted until"),
        help_text=_(
            "Optional. The service ends when this day is over; leave empty to grant it until someone revokes it."
        ),
    )

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
    until = EndDateField(
        label=_("Blocked until"),
        help_text=_(
            "Optional. The block holds through this day and ends when it is over; "
            "leave empty to block until someone unblocks."
        ),
    )
    share_reason = forms.BooleanField(
        label=_("Tell the person why"),
        required=False,
        help_text=_(
            "The e-mail that tells them of the block then gives the reason; otherwise only the journal keeps it."
        ),
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


# --- The journal's filter ----------------------------------------------------------------------

NISS_IN_ADDRESS = _("Search for a national register number with the form's button: it is never put in an address.")


class DayField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False,
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off", "size": 10}),
            help_text=_("Day/month/year, e.g. 31/03/2026."),
            error_messages={"invalid": INVALID_DATE},
            **kwargs,
        )


def _day(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


class Select(forms.Select):
    """Django's select, written in one pass: its templates write each option through two more
    templates (about 140 µs an option: the journal's list of 55 actions was a quarter of its page,
    docs/benchmarks.md). The same HTML, for options without attributes of their own, escaped as
    Django escapes (`django.utils.html.escape` is `html.escape`, here without its check for lazy
    text at every call)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(name)}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(str(group_name))}">')
            parts += (
                f'\n  <option value="{escape(str(option["value"]))}"{" selected" if option["selected"] else ""}>'
                f"{escape(str(option['label']))}</option>"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every value above is escaped.
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


class GroupChoiceField(forms.ModelChoiceField):
    widget = Select

    def label_from_instance(self, obj: Group) -> str:  # type: ignore[override]
        return obj.name


class JournalFilterForm(forms.Form):
    """The journal's filter. It is posted, so that a national register number never lands in an
    address: the view then shows the filtered journal at an address that names the person by
    their id (`person`, with their name in `who`) or a name, which can be paged and kept.

    Every choice is the actor's: the actions of an enterprise's journal, the groups the policy
    offers; a person by id or number is found only among those in the actor's journal."""

    who = forms.CharField(
        label=_("Person"),
        max_length=100,
        required=False,
        help_text=_("Who acted or whom it is about: a name, or a whole national register number."),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        widget=Select,
        error_messages={"invalid_choice": _("Choose an action from the list.")},
    )
    group = GroupChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("Every group"),
        error_messages={"invalid_choice": _("Choose a group from the list.")},
    )
    since = DayField(label=_("Since"))
    until = DayField(label=_("Until"))
    # The person found by their number, by id; shown by name in `who`.
    person = forms.CharField(required=False, max_length=19, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: selectors.Actor, posted: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.posted = posted
        self.niss = ""  # a national register number typed in `who`, posted
        self.person_found: Person | None = None
        actions = [(value, label) for value, label in AuditEvent.Action.choices if value not in PERSONAL_ACTIONS]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", _("Every action")),
            *sorted(((value, str(label)) for value, label in actions), key=lambda choice: choice[1].lower()),
        ]
        self.fields["group"].queryset = Group.objects.filter(  # type: ignore[attr-defined]
            pk__in=policy.journal_groups(actor.standing), enterprise=actor.enterprise
        ).select_related("role_type")

    def clean_who(self) -> str:
        who = " ".join(self.cleaned_data["who"].split())
        if looks_like_a_number(who):
            if not self.posted:
                raise forms.ValidationError(NISS_IN_ADDRESS)
            self.niss = parse_niss(who)
        return who

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        if self.niss:
            self.person_found = selectors.journal_person(self.actor, niss=self.niss)
        elif person_id := data.get("person"):
            person = selectors.journal_person(self.actor, pk=int(person_id)) if person_id.isdecimal() else None
            if person is None:
                self.add_error("who", _("This person does not appear in your journal."))
            elif data.get("who") == person.full_name:  # kept while the name shown is left as it is
                self.person_found = person
        return data

    @property
    def nobody(self) -> bool:
        """A national register number of nobody in the actor's journal: nothing matches."""
        return bool(self.niss) and self.person_found is None

    def filters(self) -> selectors.JournalFilters:
        data = self.cleaned_data
        return selectors.JournalFilters(
            person_id=self.person_found.pk if self.person_found else None,
            name="" if self.person_found or self.niss else data["who"],
            action=data["action"],
            group_id=data["group"].pk if data["group"] else None,
            since=data["since"],
            until=data["until"],
        )

    def query(self) -> str:
        """The filter as an address's query, without any national register number."""
        data = self.cleaned_data
        person = self.person_found
        params = {
            "person": person.pk if person else "",
            "who": person.full_name if person else ("" if self.niss else data["who"]),
            "action": data["action"],
            "group": data["group"].pk if data["group"] else "",
            "since": _day(data["since"]) if data["since"] else "",
            "until": _day(data["until"]) if data["until"] else "",
        }
        return urlencode({key: value for key, value in params.items() if value})


# --- A person's own access (docs/design.md §5.12) ------------------------------------------------


class OwnChangeForm(forms.Form):
    """A change a person makes to their own access: confirmed, with an optional word to their
    managers, who read it in the journal."""

    reason = forms.CharField(
        label=_("Tell your managers why (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They read it in the journal, with the change."),
    )
    field_order = ["understood", "reason"]


class RenounceServiceForm(OwnChangeForm):
    understood = forms.BooleanField(
        label=_("I understand that only a manager can grant this online service to me again."),
        error_messages={"required": _("Tick the box if you want to give up this online service.")},
    )


class LeaveGroupForm(OwnChangeForm):
    understood = forms.BooleanField(
        label=_(
            "I understand that I lose the online services of this group, "
            "and that only a manager can add me to it again."
        ),
        error_messages={"required": _("Tick the box if you want to leave this group.")},
    )


# --- Who could act on a day ------------------------------------------------------------------------


class WhoCouldActForm(forms.Form):
    """The day asked about (today or a day past, `policy.history_day_allowed`) and the online
    service, or every one; in the address, so that the list can be kept and paged."""

    service = ServiceChoiceField(
        label=_("Online service"),
        queryset=OnlineService.objects.none(),
        required=False,
        empty_label=_("Every online service"),
        error_messages={"invalid_choice": _("Choose an online service from the list.")},
    )
    day = DayField(label=_("Day"))

    def __init__(self, *args: Any, services: QuerySet[OnlineService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]

    def clean_day(self) -> date:
        day: date | None = self.cleaned_data["day"]
        if day is None:
            raise forms.ValidationError(_("Enter the day, as day/month/year, e.g. 31/03/2026."), code="required")
        decision = policy.history_day_allowed(day, timezone.localdate())
        if not decision:
            raise forms.ValidationError(str(decision.reason), code="future")
        return day

    def query(self) -> str:
        """The choice as an address's query."""
        data = self.cleaned_data
        params = {"service": data["service"].pk if data["service"] else "", "day": _day(data["day"])}
        return urlencode({key: value for key, value in params.items() if value})


# --- Access reviews and unused access (docs/design.md §5.13) ---------------------------------------


class DomainChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Domain) -> str:  # type: ignore[override]
        return obj.name


class ReviewStartForm(forms.Form):
    """A review of the whole enterprise or of one of its domains, its deadline and what happens
    then; the deadline's bounds are the policy's."""

    domain = DomainChoiceField(
        label=_("What to review"),
        queryset=Domain.objects.none(),
        required=False,
        empty_label=_("The whole enterprise"),
        error_messages={"invalid_choice": _("Choose the whole enterprise or one of its domains.")},
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off", "size": 10}),
        help_text=_("Day/month/year, e.g. 31/03/2026. The managers answer until the end of that day."),
        error_messages={
            "required": _("Enter the deadline."),
            "invalid": _("Enter the deadline as day/month/year, e.g. 31/03/2026."),
        },
    )
    end_unconfirmed = forms.TypedChoiceField(
        label=_("At the deadline, end what was not confirmed?"),
        choices=[
            ("yes", _("Yes: the online services that no manager confirmed end at the deadline")),
            ("no", _("No: they stay; the review shows what was confirmed and revoked")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether what was not confirmed ends at the deadline.")},
    )

    def __init__(self, *args: Any, actor: selectors.Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = Domain.objects.filter(  # type: ignore[attr-defined]
            pk__in=actor.standing.scope_domains
        ).order_by(f"names__{get_language() or 'en'}", "code")

    def clean_deadline(self) -> date:
        deadline: date = self.cleaned_data["deadline"]
        decision = policy.review_deadline(timezone.localdate(), deadline)
        if not decision:
            raise forms.ValidationError(str(decision.reason))
        return deadline


class UnusedAccessForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("End an online service that has not been used for"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose a number of months from the list.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [  # type: ignore[attr-defined]
            ("", _("Never: unused online services do not end")),
            *((months, _("%(months)s months") % {"months": months}) for months in policy.UNUSED_MONTHS),
        ]
