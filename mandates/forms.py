from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from access import policy
from access.forms import DATE_INPUT_FORMATS, INVALID_DATE, ServiceChoiceField, ServicesField
from access.identifiers import MAX_INPUT_LENGTH, parse_enterprise_number
from access.models import OnlineService, Person


class MandateDateField(forms.DateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off", "size": 10}),
            error_messages={"invalid": INVALID_DATE},
            **kwargs,
        )


class OfferForm(forms.Form):
    provider = forms.CharField(
        label=_("Enterprise number of the service provider"),
        help_text=_("10 digits, e.g. 0403.019.261."),
        max_length=MAX_INPUT_LENGTH,
    )
    services = ServicesField(label=_("Online services"), queryset=OnlineService.objects.none())
    starts_on = MandateDateField(
        label=_("Start date"), help_text=_("The first day of a quarter, as day/month/year, e.g. 01/04/2026.")
    )
    ends_on = MandateDateField(
        label=_("End date (optional)"),
        required=False,
        help_text=_("Day/month/year; leave empty for a mandate without end."),
    )

    def __init__(self, *args: Any, services: QuerySet[OnlineService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["services"].queryset = services  # type: ignore[attr-defined]

    def clean_provider(self) -> str:
        return parse_enterprise_number(self.cleaned_data["provider"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on: date | None = cleaned.get("starts_on")
        if starts_on is not None:
            decision = policy.mandate_dates_allowed(starts_on, cleaned.get("ends_on"))
            if not decision:
                field = "starts_on" if decision.reason == policy.MANDATE_START_NOT_QUARTER else "ends_on"
                self.add_error(field, ValidationError(str(decision.reason), code="dates"))
        return cleaned


class AccessForm(forms.Form):
    person = forms.ModelChoiceField(label=_("User of your enterprise"), queryset=Person.objects.none())
    service = ServiceChoiceField(label=_("Online service"), queryset=OnlineService.objects.none())

    def __init__(self, *args: Any, people: QuerySet[Person], services: QuerySet[OnlineService], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
