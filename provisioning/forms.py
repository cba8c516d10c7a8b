import secrets
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from access.forms import DATE_INPUT_FORMATS


class TokenForm(forms.Form):
    """A new provisioning token: its name, and the last day it works (tomorrow at the earliest,
    PROVISIONING_TOKEN_MAX_DAYS ahead at the latest)."""

    name = forms.CharField(
        label=_("Name of the token"),
        max_length=100,
        help_text=_("Say what will use it, e.g. “HR system – Workday”."),
        error_messages={"required": _("Give the token a name.")},
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"autocomplete": "off", "size": 10}),
        error_messages={
            "invalid": _("Enter a date as day/month/year, e.g. 31/03/2026."),
            "required": _("Choose the last day the token works."),
        },
    )

    # A new key with each blank form: the same form sent twice makes one token.
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {
                "valid_until": today + timedelta(days=settings.PROVISIONING_TOKEN_DAYS),
                "form_key": secrets.token_hex(16),
            },
        )
        super().__init__(*args, **kwargs)
        self.last_day = today + timedelta(days=settings.PROVISIONING_TOKEN_MAX_DAYS)
        self.fields["valid_until"].help_text = _(
            "Day/month/year. It works until the end of that day, at most until %(day)s."
        ) % {"day": formats.date_format(self.last_day, "DATE_FORMAT")}

    def clean_valid_until(self) -> date:
        day = self.cleaned_data["valid_until"]
        if day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day after today."))
        if day > self.last_day:
            last_day = formats.date_format(self.last_day, "DATE_FORMAT")
            raise forms.ValidationError(
                _("A token works %(days)s days at most: choose a day until %(day)s.")
                % {"days": settings.PROVISIONING_TOKEN_MAX_DAYS, "day": last_day}
            )
        return day
